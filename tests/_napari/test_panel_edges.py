"""The panels at their edges: a source moved between runs, layers whose axes cannot be guessed,
checking a result still being written, long names, out-of-range fields and save names."""

from __future__ import annotations

import time

import dask.array as da
import numpy as np
import pytest
import tifffile
from panel_helpers import denoiser

from napari_sdap._napari.output_panel import with_ending
from napari_sdap._napari.qc_widget import QCWidget
from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def test_a_rerun_follows_a_source_calibrated_since(make_napari_viewer, small_image,
                                                   trained_model, wait_idle, tmp_path):
    """The result layer kept the first run's scale, translate and units, so it lay off the
    source and *Save as* wrote the old pixel size."""
    viewer = make_napari_viewer()
    source = viewer.add_image(small_image, name="x")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    source.scale, source.translate, source.units = (0.2, 0.2), (10, 20), ("um", "um")
    denoise.start()
    wait_idle(denoise)
    result = viewer.layers["x [SDAP]"]
    assert tuple(result.scale) == pytest.approx((0.2, 0.2))
    assert tuple(result.translate) == pytest.approx((10, 20))
    assert [str(u) for u in result.units] == ["micrometer", "micrometer"]
    saved = denoise.save_result(str(tmp_path / "r.tif"))
    with tifffile.TiffFile(saved) as tif:
        x_res = tif.pages.first.tags["XResolution"].value
        assert x_res[0] / x_res[1] == pytest.approx(5.0)  # 1 / 0.2 um
    source.data = np.stack([small_image] * 2)  # and a source that gained a dimension
    source.scale = (2.0, 0.2, 0.2)
    denoise.axes.setText("ZYX")
    denoise.start()
    wait_idle(denoise)
    assert tuple(viewer.layers["x [SDAP]"].scale) == pytest.approx((2.0, 0.2, 0.2))


def test_a_layer_whose_axes_cannot_be_guessed_leaves_the_panels_usable(
        make_napari_viewer, qtbot, small_image, errors):
    """A 6-D layer without axis labels made the Train and Denoise panels fail to open."""
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((2, 2, 1, 2, 16, 16), np.float32), name="six")
    train, denoise = TrainWidget(viewer), DenoiseWidget(viewer)
    for panel in (train, denoise):
        assert panel.picker.currentText() == "six" and panel.axes.text() == ""
        assert "type its axes" in panel.status.text() and panel.status.is_error
    viewer.add_image(small_image, name="flat")  # picked next: its axes, and the error goes
    for panel in (train, denoise):
        panel.picker.setCurrentText("flat")
        assert panel.axes.text() == "YX" and not panel.status.is_error


def test_quality_control_waits_for_a_result_to_finish(make_napari_viewer, qtbot, trained_model,
                                                      wait_idle):
    """The check ran on a result whose tiles were still arriving, and reported on zeros."""
    viewer = make_napari_viewer()
    stack = (0.5 + np.random.default_rng(1).normal(0, 0.1, (4, 48, 48))).astype(np.float32)
    slow = da.from_array(stack, chunks=(1, 48, 48)).map_blocks(
        lambda b: (time.sleep(0.4), b)[1])
    viewer.add_image(slow, name="s")
    denoise = denoiser(viewer, trained_model)
    qc = QCWidget(viewer)
    denoise.start()
    qtbot.waitUntil(lambda: "s [SDAP]" in viewer.layers, timeout=30_000)
    qc.noisy.setCurrentText("s")
    qc.denoised.setCurrentText("s [SDAP]")
    qc.use_model.setChecked(False)
    qc.check()
    assert qc.worker is None and "is not finished; wait until denoising has ended" in \
        qc.status.text()
    wait_idle(denoise)


def test_a_long_layer_name_gives_a_store_name_the_disk_takes(make_napari_viewer, small_image,
                                                             trained_model, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a" * 300)
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and len(denoise.output_path.name) < 255


def test_out_of_range_fields_are_refused_before_any_work(make_napari_viewer, small_image,
                                                         trained_model, tiny, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    train = tiny(TrainWidget(viewer))
    train.settings.patch.setValue(4)
    train.start()
    assert train.worker is None and "patch size 4 is below the smallest, 8" in \
        train.status.text()
    denoise = denoiser(viewer, trained_model)
    denoise.tile.setValue(8)
    denoise.start()
    assert denoise.worker is None and "tile 8 is below the smallest, 16" in denoise.status.text()


@pytest.mark.parametrize(("typed", "ending", "saved"), [
    ("/d/r", ".tif", "/d/r.tif"), ("/d/r.tiff", ".tif", "/d/r.tiff"),
    ("/d/r.ome.tif", ".tif", "/d/r.ome.tif"), ("/d/r", ".ome.zarr", "/d/r.ome.zarr"),
    ("/d/r.tif", ".ome.zarr", "/d/r.ome.zarr"), ("/d/r.zarr", ".ome.zarr", "/d/r.ome.zarr"),
    ("/d/r.ome.zarr", ".tif", "/d/r.tif"), ("/d/r.ome", ".ome.zarr", "/d/r.ome.zarr"),
    ("/d/r.tif.", ".tif", "/d/r.tif")])
def test_a_save_name_gets_the_ending_of_the_chosen_kind(typed, ending, saved):
    """A name typed without an ending was refused as an unsupported type."""
    assert with_ending(typed, ending) == saved


def test_quality_control_uses_the_axes_a_result_was_denoised_with(make_napari_viewer, qtbot,
                                                                  wait_idle):
    """QC guessed the axes of the input layer (ZYX) where the Denoise panel had been told
    CYX, and a two-channel model then refused the check."""
    import napari_sdap

    rng = np.random.default_rng(5)
    stack = (0.5 + rng.normal(0, 0.1, (2, 48, 48))).astype(np.float32)
    model = napari_sdap.train(stack, "CYX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu")
    viewer = make_napari_viewer()
    viewer.add_image(stack, name="two")
    denoise = denoiser(viewer, model)
    denoise.axes.setText("CYX")
    denoise.start()
    wait_idle(denoise)
    qc = QCWidget(viewer)
    qc.session.set_model(model, "test")
    qc.noisy.setCurrentText("two")
    qc.denoised.setCurrentText("two [SDAP]")
    reports = []
    qc.checked.connect(reports.append)
    qc.check()
    qtbot.waitUntil(lambda: qc.worker is None, timeout=60_000)
    assert reports and not qc.status.is_error, qc.status.text()


def test_a_train_panel_opened_later_shows_the_current_model(make_napari_viewer, small_image,
                                                            trained_model):
    """A Train panel opened after a model was loaded elsewhere showed no model, no noise and
    an empty loss plot, with Continue and Save enabled."""
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    denoiser(viewer, trained_model)  # the session's model, as after a load in Denoise
    train = TrainWidget(viewer)
    assert train.model_label.text().startswith("Model: 2 steps")
    assert train.noise.text() != "" and "measured when training starts" not in train.noise.text()


def test_quality_control_picks_a_result_kept_apart(make_napari_viewer, small_image,
                                                   trained_model, wait_idle):
    """With 'new layer per run' results are `<name> [SDAP bsn]`: QC picked the input twice."""
    from napari_sdap._napari.controls import is_denoised

    assert is_denoised("a [SDAP]") and is_denoised("a [SDAP bsn]")
    assert not is_denoised("a [SDAP residual]") and not is_denoised("a [SDAP preview]")
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(small_image, name="a [SDAP bsn]")
    qc = QCWidget(viewer)
    assert (qc.noisy.currentText(), qc.denoised.currentText()) == ("a", "a [SDAP bsn]")


def test_more_layers_of_other_channels_are_refused_before_the_question(
        make_napari_viewer, small_image, tiny, monkeypatch):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="grey")
    viewer.add_image(np.stack([small_image] * 3, axis=-1), name="colour", rgb=True)
    train = tiny(TrainWidget(viewer))
    train.picker.setCurrentText("grey")
    train.more.set_checked("colour")
    asked = []
    monkeypatch.setattr(train, "may_discard", lambda *a: asked.append(a) or True)
    train.start()
    assert train.worker is None and not asked
    assert "has other channels than 'grey'" in train.status.text()


def test_quality_control_checks_a_result_against_its_own_input(make_napari_viewer):
    """With two inputs, QC paired the newest result with the first input (a wrong report:
    all structure removed)."""
    viewer = make_napari_viewer()
    zeros = np.zeros((32, 32), np.float32)
    for name in ("a", "b", "a [SDAP]", "b [SDAP]"):
        viewer.add_image(zeros, name=name)
    qc = QCWidget(viewer)
    assert qc.noisy.currentText() + " [SDAP]" == qc.denoised.currentText()
    viewer.add_image(zeros, name="b [SDAP bsn]")
    assert (qc.noisy.currentText(), qc.denoised.currentText()) == ("b", "b [SDAP bsn]")
    qc.denoised.setCurrentText("a [SDAP]")
    assert qc.noisy.currentText() == "a"


def test_a_train_panel_beside_a_training_one_cannot_save_or_continue(
        make_napari_viewer, qtbot, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    first = tiny(TrainWidget(viewer), steps=400)
    first.start()
    qtbot.waitUntil(lambda: first.session.model is not None, timeout=60_000)
    second = TrainWidget(viewer)
    assert not second.continue_btn.isEnabled() and not second.save_btn.isEnabled()
    assert not second.load_btn.isEnabled()
    first.stop()
    wait_idle(first)
    assert second.save_btn.isEnabled() and second.continue_btn.isEnabled()
