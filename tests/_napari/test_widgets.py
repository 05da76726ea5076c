"""Train and Denoise widgets on a real (hidden) napari viewer."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def test_widgets_build_and_prefill_axes(make_napari_viewer, small_image):
    viewer = make_napari_viewer()
    viewer.add_image(np.stack([small_image] * 3), name="stack", axis_labels=("t", "y", "x"))
    train, denoise = TrainWidget(viewer), DenoiseWidget(viewer)
    assert train.picker.currentText() == "stack"
    assert train.axes.text() == "TYX"
    assert denoise.axes.text() == "TYX"
    assert not denoise.run_btn.isEnabled()  # no model yet
    assert "Memory: ~" in train.settings.memory.text()


def test_train_then_denoise(make_napari_viewer, qtbot, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells", scale=(0.5, 0.25), translate=(3, 4))
    train = tiny(TrainWidget(viewer))
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    model = train.session.model
    assert model.record.steps == 6
    # a 6-step network: its gate may well turn the restore off; at full strength the detail
    # switch below has something to switch
    model.noise_curve = model.noise_curve.model_copy(update={"strength": 1.0})
    assert len(train.plot.losses) == 6
    assert "cells [SDAP preview]" in viewer.layers
    denoise = DenoiseWidget(viewer)
    denoise.device.setCurrentText("cpu")
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    out = viewer.layers["cells [SDAP]"]
    assert out.data.shape == small_image.shape
    np.testing.assert_allclose(out.scale, (0.5, 0.25))
    np.testing.assert_allclose(out.translate, (3, 4))
    assert out.metadata["sdap"]["complete"] is True
    assert np.isfinite(np.asarray(out.data)).all()
    np.testing.assert_allclose(np.asarray(out.data), model.denoise(small_image, device="cpu"),
                               atol=1e-5)
    assert "cells [SDAP residual]" in viewer.layers
    assert model.noise_curve is not None and "detail restore on" in denoise.model_label.toolTip()
    # restore detail off: the network output alone, recorded with the layer
    denoise.detail.setChecked(False)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    out = viewer.layers["cells [SDAP]"]
    assert out.metadata["sdap"]["config"]["inference"]["restore_detail"] is False
    np.testing.assert_allclose(np.asarray(out.data),
                               model.denoise(small_image, device="cpu", detail=False), atol=1e-5)
    assert model.config.inference.restore_detail is True  # the model itself is left as it was
    assert not np.allclose(np.asarray(out.data), model.denoise(small_image, device="cpu"),
                           atol=1e-5)
    # averaged over four flips, recorded with the layer
    denoise.detail.setChecked(True)
    denoise.flips.setCurrentText("4")
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    out = viewer.layers["cells [SDAP]"]
    meta = out.metadata["sdap"]
    assert meta["flips"] == meta["config"]["inference"]["flips"] == 4
    np.testing.assert_allclose(np.asarray(out.data),
                               model.denoise(small_image, device="cpu", flips=4), atol=1e-5)


def test_memory_estimate_follows_the_auto_preset_on_a_gpu(make_napari_viewer, monkeypatch):
    import napari_sdap._napari.train_settings as ts
    from napari_sdap.api import devices

    widths = []
    monkeypatch.setattr(ts, "device_choices", lambda: ["auto", "cuda"])
    monkeypatch.setattr(devices, "free_bytes", lambda dev: 0)
    monkeypatch.setattr(devices, "training_bytes",
                        lambda width, *args, **kwargs: widths.append(width) or 1)
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((256, 256), np.float32), name="frame")
    train = TrainWidget(viewer)
    assert widths[-1] == 32  # auto on a GPU: a 256² frame trains `fast`
    assert "(auto: fast)" in train.settings.memory.text()
    viewer.add_image(np.zeros((1024, 1024), np.float32), name="big")
    train.picker.setCurrentText("big")
    train._on_layer()
    assert widths[-1] == 128  # 1 M pixels: `paper`
    assert "(auto: paper)" in train.settings.memory.text()
    train.settings.patch.setValue(64)  # a settings change keeps the layer's size
    assert widths[-1] == 128
    viewer.add_image(np.zeros((960, 1024), np.float32), name="second")
    train.picker.setCurrentText("frame")
    assert widths[-1] == 32
    train.more.set_checked("second")  # 256² + 960 x 1024 ticked together: 2^20 pixels
    train.more.set_checked("big", False)
    assert widths[-1] == 128 and "(auto: paper)" in train.settings.memory.text()


def test_memory_estimate_counts_pixels_as_training_does(make_napari_viewer, monkeypatch):
    """A 512² layer of 4 channels is 1 M values: as four planes (CYX, channels denoised one
    by one) it reaches `paper`'s 1 M pixels; as YXC (channels together) it is 0.26 M pixels
    of 4 joint channels, so `auto` stays with `fast`."""
    import napari_sdap._napari.train_settings as ts
    from napari_sdap.api import devices

    calls = []
    monkeypatch.setattr(ts, "device_choices", lambda: ["auto", "cuda"])
    monkeypatch.setattr(devices, "free_bytes", lambda dev: 0)
    monkeypatch.setattr(devices, "training_bytes",
                        lambda width, blocks, channels, *a, **k: calls.append((width, channels))
                        or 1)
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((4, 512, 512), np.float32), name="stack")
    train = TrainWidget(viewer)
    train.axes.setText("CYX")
    assert calls[-1] == (128, 1) and "(auto: paper)" in train.settings.memory.text()
    viewer.add_image(np.zeros((512, 512, 4), np.float32), name="yxc", rgb=False)
    train.picker.setCurrentText("yxc")
    train.axes.setText("YXC")
    # 4 channels last: RGBA to the API (alpha passes through), 3 go through the network
    assert calls[-1] == (32, 3) and "(auto: fast)" in train.settings.memory.text()
    train.axes.setText("YX")  # does not fit the layer (yet): its values are counted
    assert calls[-1] == (128, 1)
