"""The Denoise panel's hint follows the model: a panel opened after a model was trained (the
usual order: Train, then Denoise) or one open while a model arrives said "train or load a
model, then Denoise" beside the model's description and an enabled Denoise button."""

from __future__ import annotations

from napari_sdap._napari.widget_denoise import DenoiseWidget


def test_a_panel_opened_after_the_model_says_press_denoise(make_napari_viewer, small_image,
                                                            trained_model):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    first = DenoiseWidget(viewer)
    assert first.status.text() == "train or load a model, then Denoise"
    first.session.set_model(trained_model, "test")
    assert first.status.text() == "press Denoise"  # the model came while the panel was open
    later = DenoiseWidget(viewer)  # opened from the Plugins menu after training
    assert later.status.text() == "press Denoise"
    assert later.run_btn.isEnabled()


def test_an_axes_message_is_kept_when_the_panel_opens(make_napari_viewer, trained_model):
    import numpy as np

    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((2, 2, 2, 2, 16, 16), np.float32), name="six")
    DenoiseWidget(viewer).session.set_model(trained_model, "test")
    panel = DenoiseWidget(viewer)
    assert panel.status.is_error and panel.status.text() != "press Denoise"
