"""Dask layers stay lazy; stacks, RGB layers; stopping and re-running a denoise."""

from __future__ import annotations

import dask.array as da
import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def test_dask_layer_is_never_materialised(make_napari_viewer, small_image, counting, tiny,
                                          wait_idle):
    planes = np.stack([small_image + 0.01 * i for i in range(4)])
    source = counting(planes)
    lazy_data = da.from_array(source, chunks=(1, 64, 64), asarray=False)
    viewer = make_napari_viewer()
    viewer.add_image(lazy_data, name="lazy", contrast_limits=(0, 1))
    train = tiny(TrainWidget(viewer), steps=3)
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    denoise = DenoiseWidget(viewer)
    denoise.device.setCurrentText("cpu")
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    out = viewer.layers["lazy [SDAP]"]
    assert isinstance(out.data, da.Array)  # shown lazily, read from the zarr store
    assert out.data.shape == planes.shape
    plane = 64 * 64
    assert source.reads and max(source.reads) <= plane, max(source.reads)
    assert np.isfinite(out.data[3].compute()).all()


def test_stack_with_time_axis(make_napari_viewer, small_image, trained_model, wait_idle):
    viewer = make_napari_viewer()
    stack = np.stack([small_image, small_image[::-1], small_image[:, ::-1]])
    viewer.add_image(stack, name="movie", axis_labels=("t", "y", "x"), scale=(1, 2, 2))
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    assert denoise.axes.text() == "TYX"
    denoise.device.setCurrentText("cpu")
    denoise.start()
    wait_idle(denoise)
    out = viewer.layers["movie [SDAP]"]
    assert out.data.shape == (3, 64, 64)
    assert tuple(out.axis_labels) == ("t", "y", "x")
    np.testing.assert_allclose(out.scale, (1, 2, 2))
    np.testing.assert_allclose(np.asarray(out.data[1]),
                               trained_model.denoise(stack[1], device="cpu"), atol=1e-5)
    from napari_sdap.io.readers import open_image

    assert denoise.output_path.name.endswith(".sdap.ome.zarr")
    with open_image(denoise.output_path) as saved:  # a real OME-Zarr, scale kept
        assert saved.axes == "TYX" and saved.scale == {"T": 1.0, "Y": 2.0, "X": 2.0}
        np.testing.assert_array_equal(np.asarray(saved.array), np.asarray(out.data))
    assert out.metadata["sdap"]["complete"] and out.metadata["sdap"]["mode"] == "sdap_e"


def test_rgb_layer(make_napari_viewer, small_image, tiny, wait_idle):
    rgb = np.clip(np.stack([small_image, small_image * 0.8, small_image[::-1]], -1) * 200, 0, 255)
    viewer = make_napari_viewer()
    viewer.add_image(rgb.astype(np.uint8), name="photo", rgb=True)
    train = tiny(TrainWidget(viewer), steps=2)
    assert train.axes.text() == "YXC"
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.config.network.in_channels == 3
    denoise = DenoiseWidget(viewer)
    denoise.device.setCurrentText("cpu")
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    out = viewer.layers["photo [SDAP]"]
    assert out.rgb and out.data.shape == (64, 64, 3)
    assert viewer.layers["photo [SDAP residual]"].data.shape == (64, 64)


def test_stop_denoise_discards_partial_store(make_napari_viewer, small_image, trained_model,
                                              counting, qtbot, wait_idle, _cache_in_tmp):
    viewer = make_napari_viewer()
    slow = counting(np.stack([small_image] * 30), delay=0.1)
    viewer.add_image(da.from_array(slow, chunks=(1, 64, 64), asarray=False), name="slow",
                     contrast_limits=(0, 1))
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.device.setCurrentText("cpu")
    denoise.start()
    assert "slow [SDAP]" in viewer.layers  # shown at once, fills in as planes finish
    qtbot.waitUntil(lambda: denoise.progress.value() >= 2, timeout=30_000)
    partial = np.asarray(viewer.layers["slow [SDAP]"].data)
    assert partial[:2].any() and not partial[-1].any()  # fills in as planes finish
    denoise.stop()
    wait_idle(denoise)
    assert denoise.outcome == "stopped"
    assert "slow [SDAP]" not in viewer.layers
    assert not any(_cache_in_tmp.iterdir())  # no result, no temporary left


def test_rerun_replaces_layer_and_old_store(make_napari_viewer, small_image, trained_model,
                                            wait_idle, _cache_in_tmp):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.device.setCurrentText("cpu")
    denoise.start()
    wait_idle(denoise)
    first = viewer.layers["img [SDAP]"]
    first_store = denoise.output_path
    denoise.start()
    wait_idle(denoise)
    assert viewer.layers["img [SDAP]"] is first
    assert len([ly for ly in viewer.layers if ly.name.startswith("img [SDAP")]) == 1
    assert denoise.output_path != first_store and not first_store.exists()
    assert [p.name for p in _cache_in_tmp.iterdir()] == [denoise.output_path.name]


def test_multiscale_layer_uses_level_0(make_napari_viewer, small_image, trained_model,
                                       wait_idle):
    viewer = make_napari_viewer()
    big = np.tile(small_image, (2, 2))
    viewer.add_image([big, big[::2, ::2]], multiscale=True, name="pyramid")
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.device.setCurrentText("cpu")
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    assert viewer.layers["pyramid [SDAP]"].data.shape == (128, 128)


def test_preview_follows_the_plane_on_screen(make_napari_viewer, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    stack = np.stack([small_image, small_image.T, small_image[::-1]])
    viewer.add_image(stack, name="zs", axis_labels=("z", "y", "x"), scale=(1, 0.5, 0.5))
    viewer.dims.set_current_step(0, 2)
    train = tiny(TrainWidget(viewer), steps=2)
    train.start()
    wait_idle(train)
    preview = viewer.layers["zs [SDAP preview]"]
    expected = train.session.model.denoise(stack[2], device="cpu")
    assert preview.data.shape == (1, 64, 64)  # one plane deep, placed on plane 2
    np.testing.assert_allclose(preview.data[0], expected, atol=1e-5)
    np.testing.assert_allclose(preview.scale, (1, 0.5, 0.5))
    np.testing.assert_allclose(preview.translate, (2, 0, 0))
    assert not preview.visible  # hidden when training ended: it would cover the input
