"""Stopping and continuing training; bad settings become notifications, not crashes."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def test_stop_keeps_a_usable_model_and_continue_resumes(make_napari_viewer, qtbot, small_image,
                                                         tiny, wait_idle, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(np.stack([small_image] * 2), name="zs", axis_labels=("z", "y", "x"))
    train = tiny(TrainWidget(viewer), steps=5000)
    train.start()
    assert not train.train_btn.isEnabled() and train.stop_btn.isEnabled()
    qtbot.waitUntil(lambda: train.progress.value() >= 2, timeout=60_000)
    train.stop()
    wait_idle(train)
    assert train.outcome == "stopped"
    model = train.session.model
    stopped_at = model.record.steps
    assert 2 <= stopped_at < 5000
    assert model.record.seconds > 0  # the engine's cleanup ran before the widget reported back
    assert model.denoise(small_image, device="cpu").shape == small_image.shape
    assert train.continue_btn.isEnabled()
    train.settings.steps.setValue(3)
    train.settings.preset.setCurrentText("fast")  # for a new model: Continue keeps the model's
    train.settings.seed.setValue(9)  # (the same: the API refuses another seed for a model)
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model is model and model.record.steps == stopped_at + 3
    assert model.config.seed == 0
    assert len(train.plot.losses) == stopped_at + 3
    train.save_model(str(tmp_path / "m.safetensors"))
    other = make_napari_viewer()
    other.add_image(small_image, name="fresh")
    loader = DenoiseWidget(other)
    loader.load_model(str(tmp_path / "m.safetensors"))
    assert loader.session.model.record.steps == stopped_at + 3
    assert loader.run_btn.isEnabled()


def test_patch_larger_than_image_is_an_error_notification(make_napari_viewer, small_image, tiny,
                                                           errors, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="small")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.patch.setValue(128)
    train.start()
    assert train.worker is None and train.outcome == "idle"
    assert any("patch size 128 is larger than the image plane 64x64" in m for m in errors())
    assert train.train_btn.isEnabled()
    train.settings.patch.setValue(32)  # the viewer and widget stay usable
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()


def test_a_plane_thinner_than_the_smallest_patch_is_told_auto(make_napari_viewer, small_image,
                                                               tiny, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image[:, :3].copy(), name="thin")
    train = tiny(TrainWidget(viewer), steps=2)
    train.start()
    assert train.worker is None
    assert errors()[-1].endswith("image plane 64x3 of 'thin'; use 'auto' (0)")  # not "at most 3"


def test_wrong_axes_are_an_error_notification(make_napari_viewer, small_image, trained_model,
                                               tiny, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    train = tiny(TrainWidget(viewer))
    train.axes.setText("ZYX")
    train.start()
    assert train.worker is None
    assert any("'ZYX' has 3 letters but the image has 2 dimensions" in m for m in errors())
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.axes.setText("YQ")
    denoise.start()
    assert denoise.worker is None and "img [SDAP]" not in viewer.layers
    assert any("unknown letters ['Q']" in m for m in errors())


def test_model_that_does_not_fit_the_layer(make_napari_viewer, small_image, trained_model,
                                           errors, wait_idle, qtbot):
    viewer = make_napari_viewer()
    rgb = np.stack([small_image] * 3, -1)
    viewer.add_image(np.clip(rgb * 200, 0, 255).astype(np.uint8), name="rgb", rgb=True)
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "gray model")
    denoise.device.setCurrentText("cpu")
    denoise.start()  # refused before any worker starts: the image is checked on the spot
    assert denoise.outcome == "error" and denoise.worker is None
    assert "joint channel" in denoise.status.text()
    assert any("joint channel" in e for e in errors())
    assert "rgb [SDAP]" not in viewer.layers  # no half-made output layer left behind
