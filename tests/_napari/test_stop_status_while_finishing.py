"""Stop while a training runs: until the run has ended (the stopped model's curve, output blur
and mix are measured after its last step) the status says it is stopping, never a running
step with its time left."""

from __future__ import annotations

import time

from napari_sdap._napari.widget_train import TrainWidget


def test_the_status_says_stopping_until_the_stopped_model_is_finished(
        make_napari_viewer, qtbot, small_image, tiny, monkeypatch):
    """Regression: the steps that ended after Stop put back 'teacher step 5/460 ... ~6 s left'
    over 'stopping after this step...' for as long as the stopped model was measured."""
    import napari_sdap.api.training as training

    measure = training.finish_output

    def slow_measure(*args, **kwargs):  # the measuring of a larger image
        time.sleep(1.5)
        return measure(*args, **kwargs)

    monkeypatch.setattr(training, "finish_output", slow_measure)
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=400)
    train.start()
    qtbot.waitUntil(lambda: train.progress.value() >= 3, timeout=30_000)
    train.stop()
    shown = []
    while train.worker is not None:
        qtbot.wait(20)
        if not shown or shown[-1] != train.status.text():
            shown.append(train.status.text())
    assert train.outcome == "stopped", shown
    running = [t for t in shown[:-1] if "s left" in t]
    assert not running, shown
    assert all(t.startswith("stopping") for t in shown[:-1]), shown
    assert shown[-1].startswith("stopped at step"), shown
