"""The Denoise panel's intensity warning (a layer somewhat off the model's training data) said
its fix as for Python and the command line, "train a model on this image (napari_sdap.train,
or napari-sdap denoise --train)", in the notification and the status, while the refusal of a
layer further off named the Train panel; both name the Train panel."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget


def test_the_warning_names_the_train_panel(make_napari_viewer, small_image, trained_model,
                                           wait_idle):
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
    warned = [str(n.message) for n in notification_manager.records[start:]
              if n.severity == NotificationSeverity.WARNING]
    assert len(warned) == 1 and "may be worse than the input" in warned[0]
    for text in (warned[0], denoise.status.text()):
        assert "train a model on this image in the Train panel" in text
        assert "napari_sdap.train" not in text and "--train" not in text
