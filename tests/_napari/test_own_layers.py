"""napari-sdap replaces, removes or hides only layers it made, and follows layers by object:
a user's layer that happens to carry one of its names is left alone."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap._napari.widget_train import TrainWidget


def _train(viewer, tiny, wait_idle, train=None):
    train = train or tiny(TrainWidget(viewer), steps=3)
    train.confirm = lambda question: True
    train.picker.setCurrentText("x")
    train.start()
    train.job.preview_every_s = 0.0
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    return train


@pytest.mark.parametrize("mine", ["image", "stack", "labels"])
def test_the_preview_leaves_a_users_layer_of_its_name_alone(make_napari_viewer, small_image,
                                                           tiny, wait_idle, mine):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="x")
    name = "x [SDAP preview]"
    layer = {"image": lambda: viewer.add_image(np.full((64, 64), 7.0, np.float32), name=name),
             "stack": lambda: viewer.add_image(np.full((2, 64, 64), 7.0, np.float32), name=name),
             "labels": lambda: viewer.add_labels(np.ones((64, 64), np.uint8), name=name)}[mine]()
    before = np.asarray(layer.data).copy()
    train = _train(viewer, tiny, wait_idle)
    assert layer in viewer.layers and layer.visible
    np.testing.assert_array_equal(np.asarray(layer.data), before)
    preview = viewer.layers["x [SDAP preview 2]"]  # the preview took a free name
    assert not preview.visible and preview is train._preview_layer
    _train(viewer, tiny, wait_idle, train)  # a second run reuses its own preview
    assert [ly.name for ly in viewer.layers].count("x [SDAP preview 2]") == 1
    assert "x [SDAP preview 3]" not in viewer.layers


def test_the_preview_follows_its_source_by_object(make_napari_viewer, small_image, tiny,
                                                  wait_idle, qtbot):
    viewer = make_napari_viewer()
    source = viewer.add_image(small_image, name="x")
    train = tiny(TrainWidget(viewer), steps=40)
    train.picker.setCurrentText("x")
    train.start()
    train.job.preview_every_s = 0.0
    qtbot.waitUntil(lambda: train._preview_layer is not None, timeout=60_000)
    source.name = "renamed"
    other = viewer.add_image(np.zeros((3, 64, 64), np.float32), name="x")
    train.stop()
    wait_idle(train)
    assert train._source_layer() is source and other.visible


def test_the_pickers_leave_out_own_results_by_marking_not_name(make_napari_viewer, small_image,
                                                               trained_model):
    from panel_helpers import denoiser

    viewer = make_napari_viewer()
    mine = viewer.add_image(small_image, name="scan [SDAP 2]")  # e.g. a saved result reopened
    x = viewer.add_image(np.stack([small_image] * 3), name="x")
    d = denoiser(viewer, trained_model)
    assert mine in d.picker.images() and mine in TrainWidget(viewer).picker.images()
    d.picker.select(x)
    d.axes.setText("TYX")
    x.name = "x [SDAP]"  # renaming the chosen layer keeps it chosen
    assert d.picker.layer() is x and d.axes.text() == "TYX"


def test_the_preview_of_a_layer_stored_x_before_y_lies_on_it(make_napari_viewer, tiny,
                                                             wait_idle):
    viewer = make_napari_viewer()
    image = np.random.default_rng(0).random((3, 64, 48)).astype(np.float32)
    layer = viewer.add_image(image, name="zxy", axis_labels=("z", "x", "y"))
    viewer.dims.set_current_step(0, 2)
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.patch.setValue(16)
    train.start()
    wait_idle(train)
    assert train.axes.text() == "ZXY" and train.outcome == "done"
    preview = viewer.layers["zxy [SDAP preview]"]
    assert preview.data.shape == (1, 64, 48)  # was (1, 48, 64): Y and X swapped on screen
    assert np.allclose(preview.data_to_world((0, 5, 7)), layer.data_to_world((2, 5, 7)))
    expected = train.session.model.denoise(image[2], "XY", device="cpu")
    np.testing.assert_allclose(preview.data[0], expected, atol=1e-5)
