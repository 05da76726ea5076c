"""The Train panel's "stack planes" control: 2-D by default, 3-D on request (with the reason
shown), refused before training when the layer has no planes to read."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_train import TrainWidget


def _stack(depth: int = 9, size: int = 48) -> np.ndarray:
    z, y, x = np.mgrid[0:depth, 0:size, 0:size].astype(np.float32)
    clean = np.sin(x / 4.0 + z / 3.0) * np.cos(y / 5.0)
    return (clean + np.random.default_rng(0).normal(0, 0.2, clean.shape)).astype(np.float32)


def test_the_default_stays_2d(make_napari_viewer, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(_stack(), name="zs")
    train = tiny(TrainWidget(viewer), steps=2)
    planes = train.settings.planes
    assert planes.chosen() == 2 and planes.dims.currentText() == "each plane on its own (2-D)"
    assert not {"dims", "along", "z_context"} & set(train.settings.values()["overrides"])
    assert not planes.along.isEnabled() and not planes.context.isEnabled()
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.config.network.dims == 2
    assert train.planes.isHidden()


def test_3d_trains_a_volume_model_and_says_why(make_napari_viewer, tiny, wait_idle, errors):
    viewer = make_napari_viewer()
    stack = _stack()
    viewer.add_image(stack, name="zs")
    viewer.dims.set_current_step(0, 8)  # the last plane: its preview reads planes 6..8
    train = tiny(TrainWidget(viewer), steps=3)
    planes = train.settings.planes
    planes.dims.setCurrentText("with neighbouring planes (3-D)")
    assert planes.context.isEnabled() and planes.along.currentText() == "Z"
    assert not planes.along.isEnabled()  # ZYX: nothing to choose
    assert train.settings.values()["overrides"]["dims"] == 3
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    model = train.session.model
    n = model.config.network
    assert (n.dims, n.along, n.z_context, n.z_step) == (3, "Z", 1, 1)
    assert model.record.dims.startswith("dims=3 along Z, z_step=1")
    assert not train.planes.isHidden()
    assert train.planes.text().startswith("Stack planes: 3-D, with 1 plane on each side along Z")
    assert model.record.dims in train.planes.text()
    assert "3-D along Z" in train.model_label.text()
    preview = viewer.layers["zs [SDAP preview]"]  # the plane as denoised in the whole stack
    np.testing.assert_allclose(preview.data[0], model.denoise(stack, "ZYX", device="cpu")[8],
                               atol=1e-5)
    assert errors() == []


def test_3d_refused_without_planes_auto_falls_back(make_napari_viewer, small_image, tiny,
                                                   wait_idle, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="flat")
    train = tiny(TrainWidget(viewer), steps=2)
    planes = train.settings.planes
    planes.dims.setCurrentText("with neighbouring planes (3-D)")
    train.start()
    assert train.worker is None and train.session.model is None and train.outcome == "idle"
    assert train.status.is_error
    assert "needs a Z axis of at least 3 planes" in train.status.text()
    assert "'flat'" in train.status.text() and "each plane on its own (2-D)" in errors()[-1]
    viewer.add_image(np.stack([small_image] * 5), name="thin")
    train.picker.setCurrentText("thin")
    planes.context.setValue(4)
    train.start()
    assert train.worker is None and train.session.model is None
    assert "needs at least 9 planes along Z" in train.status.text()
    assert "has 5" in train.status.text()
    train.picker.setCurrentText("flat")  # "decide automatically" is never refused
    planes.dims.setCurrentText("decide automatically")
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    model = train.session.model
    assert model.config.network.dims == 2 and model.record.dims.startswith("dims=auto chose 2-D")
    assert train.planes.text().startswith("Stack planes: each on its own (2-D). Why: dims=auto")
    planes.dims.setCurrentText("with neighbouring planes (3-D)")  # Continue: the model's own
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model is model and model.record.steps == 4


def test_continuing_a_3d_model_needs_its_planes(make_napari_viewer, tiny, small_image):
    import napari_sdap

    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="flat")
    train = tiny(TrainWidget(viewer), steps=2)
    model = napari_sdap.train(_stack(depth=5), "ZYX", preset="tiny", steps=1, dims=3, stride=1,
                              z_context=2, width=8, blocks=1, batch_size=2, patch_size=16)
    train.session.set_model(model, "zs", saved=True)
    train.start(resume=True)
    assert train.worker is None and model.record.steps == 1
    assert "needs a Z axis of at least 5 planes" in train.status.text()
    assert "the model is 3-D" in train.status.text()


def test_along_follows_the_layer_axes(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((4, 32, 32), np.float32), name="movie",
                     axis_labels=("t", "y", "x"))
    viewer.add_image(np.zeros((2, 5, 32, 32), np.float32), name="tz")
    train = TrainWidget(viewer)
    planes = train.settings.planes
    planes.dims.setCurrentText("decide automatically")
    train.picker.setCurrentText("movie")
    assert train.axes.text() == "TYX"
    assert planes.along.currentText() == "T" and not planes.along.isEnabled()
    train.picker.setCurrentText("tz")
    assert train.axes.text() == "TZYX" and planes.along.isEnabled()
    planes.along.setCurrentText("Z")
    assert train.settings.values()["overrides"] == {"dims": "auto", "along": "Z", "z_context": 1}
    planes.dims.setCurrentText("each plane on its own (2-D)")
    assert not planes.along.isEnabled() and not planes.context.isEnabled()
