"""The Denoise panel on a layer whose output would leave its level (`api.output_level`): the
run ends in the worker's error, in the panel's words (naming the window tried and the Train
panel), shown in the status line, and no result layer is made."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget


def _image(offset=0.0, seed=0):
    yy, xx = np.mgrid[:64, :64]
    clean = 100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    rng = np.random.default_rng(seed)
    noisy = np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8)
    return noisy.astype(np.float32) + np.float32(offset)


def test_a_layer_whose_output_leaves_its_level_is_refused(make_napari_viewer, wait_idle,
                                                            qtbot):
    import napari_sdap

    model = napari_sdap.train(_image(), "YX", preset="tiny", width=8, blocks=1, batch_size=4,
                              patch_size=24, steps=3, student=False, stride=1, seed=0)
    viewer = make_napari_viewer()
    viewer.add_image(_image(200.0, seed=1), name="brighter")
    denoise = DenoiseWidget(viewer)
    denoise.session.set_model(model, "test")
    denoise.device.setCurrentText("cpu")
    with qtbot.capture_exceptions() as raised:  # (napari relays it as a notification)
        denoise.start()
        wait_idle(denoise)
    assert denoise.outcome == "error"
    assert "brighter [SDAP]" not in viewer.layers
    found = [str(e[1]) for e in raised if "output on a piece of it" in str(e[1])]
    assert len(found) == 1 and "outside the image's own intensities" in found[0]
    assert "napari_sdap.train" not in found[0] and "Train panel" in found[0]
    assert "output on a piece of it" in denoise.status.text()
