"""What the user does to layers while a run goes on (the source given other data, the result
layer removed), the axes field when a layer's data changes, and the words of a failed training."""

from __future__ import annotations

import dask.array as da
import numpy as np
from panel_helpers import denoiser, slow_stack

from napari_sdap._napari.widget_train import TrainWidget


def _slow(image, planes=8, delay=0.2):
    """A run that can be caught in progress."""
    return slow_stack(image, planes, delay, step=0.001)


def test_a_source_given_other_data_mid_run_is_flagged(make_napari_viewer, small_image,
                                                      trained_model, qtbot, wait_idle):
    from napari.utils.notifications import notification_manager

    viewer = make_napari_viewer()
    viewer.add_image(_slow(small_image), name="s", contrast_limits=(0, 1))
    denoise = denoiser(viewer, trained_model)
    start = len(notification_manager.records)
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    viewer.layers["s"].data = np.stack([small_image[:40, :40]] * 5)
    wait_idle(denoise)
    assert "got other data" in denoise.status.text() and "(5, 40, 40)" in denoise.status.text()
    assert any("got other data" in str(n.message)
               for n in notification_manager.records[start:])


def test_a_training_source_given_other_data_or_removed_is_flagged(make_napari_viewer,
                                                                  small_image, tiny, qtbot,
                                                                  wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(small_image[::-1].copy(), name="b")
    train = tiny(TrainWidget(viewer), steps=5000)
    train.confirm = lambda question: True
    for name, change in (("a", lambda: setattr(viewer.layers["a"], "data", small_image * 2)),
                         ("b", lambda: viewer.layers.remove("b"))):
        train.picker.setCurrentText(name)
        train.start()
        qtbot.waitUntil(lambda: train.progress.value() >= 1, timeout=30_000)
        change()
        train.stop()
        wait_idle(train)
        assert train.outcome == "stopped"
        what = "got other data" if name == "a" else "was removed"
        assert f"note: '{name}' {what} while it was trained on" in train.status.text()
    train.picker.setCurrentText("a")
    train.settings.steps.setValue(2)
    train.start()  # nothing happened to the layer: no note
    wait_idle(train)
    assert train.outcome == "done" and "note" not in train.status.text()


def test_an_unchanged_source_gives_no_note(make_napari_viewer, small_image, trained_model,
                                           wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="s")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and "note" not in denoise.status.text()


def test_removing_the_result_layer_mid_run_stops_the_run(make_napari_viewer, small_image,
                                                         trained_model, qtbot, wait_idle,
                                                         _cache_in_tmp):
    viewer = make_napari_viewer()
    viewer.add_image(_slow(small_image), name="s", contrast_limits=(0, 1))
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    viewer.layers.remove("s [SDAP]")
    wait_idle(denoise)
    assert denoise.outcome == "stopped" and "removed" in denoise.status.text()
    assert not _cache_in_tmp.exists() or not list(_cache_in_tmp.iterdir())  # no orphan store
    assert not denoise.save_btn.isEnabled()


def test_the_axes_field_follows_data_of_another_shape(make_napari_viewer, small_image, tiny,
                                                      trained_model, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="s")
    train = tiny(TrainWidget(viewer), steps=2)
    denoise = denoiser(viewer, trained_model)
    denoise.axes.setText("XY")  # typed by the user: kept while the shape stays
    viewer.layers["s"].data = small_image + 1
    assert denoise.axes.text() == "XY"
    viewer.layers["s"].data = da.from_array(np.stack([small_image] * 3), chunks=(1, 64, 64))
    assert train.axes.text() == "ZYX" and denoise.axes.text() == "ZYX"


def test_a_training_that_fails_while_preparing_claims_no_kept_model(
        make_napari_viewer, small_image, tiny, trained_model, wait_idle, qtbot):
    def fail(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 2:
            raise OSError(5, "Input/output error", "/data/plane2.tif")
        return block

    viewer = make_napari_viewer()
    stack = np.stack([small_image] * 4)
    viewer.add_image(da.from_array(stack, chunks=(1, 64, 64)).map_blocks(fail, dtype=stack.dtype),
                     name="bad", contrast_limits=(0, 1))
    train = tiny(TrainWidget(viewer), steps=3)
    train.session.set_model(trained_model, "earlier")  # a model trained before: not this run's
    train.confirm = lambda question: True
    with qtbot.capture_exceptions():
        train.start()
        wait_idle(train)
    assert train.outcome == "error"
    assert "kept" not in train.status.text()


def test_the_result_layer_reads_the_committed_store_before_the_run_ends(
        make_napari_viewer, small_image, trained_model, qtbot, wait_idle, monkeypatch):
    """Between the move of the finished store into place and the end of the run, the layer
    still read the temporary's path, which was gone: all zeros."""
    import napari_sdap.io.outputs as outputs

    seen: list[float] = []
    commit = outputs.OutputSink.commit

    def commit_then_look(self):
        done = commit(self)
        seen.append(float((np.asarray(viewer.layers["s [SDAP]"].data) == 0).mean()))
        return done

    monkeypatch.setattr(outputs.OutputSink, "commit", commit_then_look)
    viewer = make_napari_viewer()
    viewer.add_image(small_image + 0.5, name="s")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and seen == [0.0]
