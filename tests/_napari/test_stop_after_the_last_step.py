"""Stop pressed while a training measures its output after its last step stops nothing: the
run is done, not "stopped"."""

from __future__ import annotations

import threading
import time

from napari_sdap._napari.widget_train import TrainWidget


def test_stop_while_the_output_is_measured_says_done(make_napari_viewer, qtbot, small_image,
                                                     tiny, wait_idle, monkeypatch):
    """Regression: the panel said 'stopped at step N; the model is kept' (outcome stopped)
    for a training that had run to its end, student and output measurement included."""
    import napari_sdap.api.output_blur as blur

    measuring = threading.Event()
    measure = blur.output_blur

    def slow(*args, **kwargs):  # the measurement after the last step, slowed down
        measuring.set()
        time.sleep(1.0)
        return measure(*args, **kwargs)

    monkeypatch.setattr(blur, "output_blur", slow)
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=3)
    train.start()
    qtbot.waitUntil(measuring.is_set, timeout=60_000)
    train.stop()
    wait_idle(train)
    model = train.session.model
    assert train.outcome == "done", train.status.text()
    assert train.status.text().startswith(f"done: {model.record.steps} steps")
    assert model.record.steps == 3


def test_a_stop_before_the_end_still_stops(make_napari_viewer, qtbot, small_image, tiny,
                                           wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=400)
    train.start()
    qtbot.waitUntil(lambda: train.session.model is not None, timeout=30_000)
    train.stop()
    wait_idle(train)
    assert train.outcome == "stopped" and train.session.model.record.steps < 400
    assert not train.job.completed
