"""The Denoise widget on a layer far from, or somewhat off, the model's training data."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget


def test_a_layer_on_another_scale_is_refused_with_a_notification(
        make_napari_viewer, small_image, trained_model, wait_idle, errors):
    viewer = make_napari_viewer()
    viewer.add_image((small_image * 255).astype(np.float32), name="eight bit")
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.device.setCurrentText("cpu")
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "error"
    assert "eight bit [SDAP]" not in viewer.layers
    assert any("another scale" in m and "rescale it" in m for m in errors())


def test_a_layer_somewhat_off_is_denoised_and_the_warning_stays_shown(
        make_napari_viewer, small_image, trained_model, wait_idle):
    from napari.utils.notifications import NotificationSeverity, notification_manager

    span = np.percentile(small_image, 99.8) - np.percentile(small_image, 0.5)
    viewer = make_napari_viewer()
    viewer.add_image(small_image + np.float32(2.5 * span), name="brighter")
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(trained_model, "test")
    denoise.device.setCurrentText("cpu")
    start = len(notification_manager.records)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    assert "brighter [SDAP]" in viewer.layers
    assert "training range" in denoise.status.text()
    warned = [n for n in notification_manager.records[start:]
              if n.severity == NotificationSeverity.WARNING]
    assert len(warned) == 1 and "may be worse than the input" in str(warned[0].message)
    # in the panel's words (it said "napari_sdap.train, or napari-sdap denoise --train")
    for text in (str(warned[0].message), denoise.status.text()):
        assert "train a model on this image in the Train panel" in text
        assert "napari_sdap.train" not in text and "--train" not in text
