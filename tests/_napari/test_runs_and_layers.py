"""Runs against what the user does meanwhile: rerunning while other layers read a result, closing
the window mid-run, replacing or rotating layers, and the preview checkbox."""

from __future__ import annotations

import threading
import time

import dask.array as da
import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def _slow(image):
    """A dask layer whose planes take 0.4 s each: a run that can be caught in progress."""
    return da.from_array(image, chunks=(1, *image.shape[1:])).map_blocks(
        lambda b: (time.sleep(0.4), b)[1])


def _denoiser(viewer, model):
    denoise = DenoiseWidget(viewer)
    denoise.device.setCurrentText("cpu")
    denoise.session.set_model(model, "test")
    return denoise


def test_a_rerun_keeps_the_store_an_earlier_residual_still_reads(
        make_napari_viewer, small_image, trained_model, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    denoise = _denoiser(viewer, trained_model)
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    first = denoise.output_path
    before = np.asarray(viewer.layers["img [SDAP residual]"].data).copy()
    denoise.residual.setChecked(False)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and denoise.output_path != first
    assert first.exists()  # read by the residual layer still shown
    np.testing.assert_array_equal(np.asarray(viewer.layers["img [SDAP residual]"].data), before)
    viewer.layers.remove("img [SDAP residual]")
    denoise.start()  # no layer reads the first store any more: an old result goes as before
    wait_idle(denoise)
    assert denoise.output_path.exists()


def test_closing_the_window_mid_run_leaves_no_partial_store_or_threads(
        make_napari_viewer, qtbot, trained_model, _cache_in_tmp):
    viewer = make_napari_viewer()
    rng = np.random.default_rng(0)
    viewer.add_image(_slow((0.5 + rng.normal(0, 0.1, (4, 48, 48))).astype(np.float32)),
                     name="slow")
    denoise = _denoiser(viewer, trained_model)
    viewer.window.add_dock_widget(denoise)
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    viewer.close()  # napari quits every worker (worker.quit())

    def cleaned() -> bool:  # the threads stop first, then the partial store goes
        threads = [t for t in threading.enumerate() if t.name.startswith("sdap-")]
        return not threads and (not _cache_in_tmp.exists() or not list(_cache_in_tmp.iterdir()))

    qtbot.waitUntil(cleaned, timeout=20_000)


def test_a_layer_whose_dimensions_change_mid_run_ends_the_run_cleanly(
        make_napari_viewer, qtbot, trained_model, wait_idle):
    viewer = make_napari_viewer()
    rng = np.random.default_rng(1)
    layer = viewer.add_image(_slow((0.5 + rng.normal(0, 0.1, (4, 48, 48))).astype(np.float32)),
                             name="s")
    denoise = _denoiser(viewer, trained_model)
    denoise.residual.setChecked(True)
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    layer.data = np.zeros((32, 32), np.float32)
    wait_idle(denoise)
    assert denoise.outcome in ("done", "error"), denoise.status.text()


def test_a_training_layer_whose_dimensions_change_turns_the_preview_off(
        make_napari_viewer, qtbot, small_image, wait_idle, tiny):
    viewer = make_napari_viewer()
    stack = viewer.add_image(np.stack([small_image, small_image[::-1]]), name="t")
    train = tiny(TrainWidget(viewer), steps=8)
    train.picker.setCurrentText("t")
    with qtbot.capture_exceptions() as caught:
        train.start()
        train.job.preview_every_s = 0.0
        qtbot.waitUntil(lambda: train.progress.value() >= 2, timeout=60_000)
        stack.data = np.zeros((40, 40), np.float32)
        wait_idle(train)
        viewer.dims.current_step = (1, 0, 0)  # after training: nothing recomputes a preview
    assert not caught, [str(e[1]) for e in caught]
    assert train.outcome == "done" and train.job.preview is None


def test_unticking_the_preview_hides_it_at_once(make_napari_viewer, qtbot, small_image, tiny,
                                                wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    train = tiny(TrainWidget(viewer), steps=5000)
    train.start()
    train.job.preview_every_s = 0.0
    qtbot.waitUntil(lambda: "a [SDAP preview]" in viewer.layers, timeout=60_000)
    train.preview.setChecked(False)
    assert not viewer.layers["a [SDAP preview]"].visible and train.job.preview is None
    done = train.progress.value()
    qtbot.waitUntil(lambda: train.progress.value() >= done + 3, timeout=60_000)
    assert not viewer.layers["a [SDAP preview]"].visible
    train.stop()
    wait_idle(train)


def test_results_lie_on_a_rotated_source(make_napari_viewer, small_image, trained_model,
                                         wait_idle):
    viewer = make_napari_viewer()
    source = viewer.add_image(small_image, name="r", rotate=30, shear=[0.1])
    denoise = _denoiser(viewer, trained_model)
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    for kind in ("SDAP", "SDAP residual"):
        np.testing.assert_allclose(viewer.layers[f"r [{kind}]"]._data_to_world.affine_matrix,
                                   source._data_to_world.affine_matrix)


def test_a_stopped_rerun_gives_back_a_result_that_can_still_be_saved(
        make_napari_viewer, qtbot, trained_model, wait_idle, tmp_path):
    viewer = make_napari_viewer()
    rng = np.random.default_rng(2)
    viewer.add_image(_slow((0.5 + rng.normal(0, 0.1, (4, 48, 48))).astype(np.float32)),
                     name="s")
    denoise = _denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    first = denoise.output_path
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    denoise.stop()
    wait_idle(denoise)
    assert denoise.outcome == "stopped" and "'s [SDAP]' (finished earlier) is kept" in \
        denoise.status.text()
    assert denoise.save_btn.isEnabled() and denoise.output_path == first
    saved = denoise.save_result(str(tmp_path / "kept.tif"))
    assert saved is not None and saved.is_file()


def test_the_training_preview_lies_on_a_rotated_source(make_napari_viewer, qtbot, small_image,
                                                       tiny, wait_idle):
    viewer = make_napari_viewer()
    source = viewer.add_image(np.stack([small_image] * 2), name="r", rotate=30,
                              scale=(1, 2, 1), translate=(0, 5, 6), units="um",
                              axis_labels=("z", "y", "x"))
    viewer.dims.current_step = (1, 0, 0)
    train = tiny(TrainWidget(viewer), steps=5000)
    train.start()
    train.job.preview_every_s = 0.0
    qtbot.waitUntil(lambda: "r [SDAP preview]" in viewer.layers, timeout=60_000)
    preview = viewer.layers["r [SDAP preview]"]
    assert tuple(preview.units) == tuple(source.units)  # the scale bar keeps its unit
    assert tuple(preview.axis_labels) == tuple(source.axis_labels)
    for point in ((0, 0, 0), (0, 10, 3), (0, 63, 63)):  # the preview's plane 0 is plane 1
        np.testing.assert_allclose(preview.data_to_world(point),
                                   source.data_to_world((1, *point[1:])), atol=1e-6)
    train.stop()
    wait_idle(train)
