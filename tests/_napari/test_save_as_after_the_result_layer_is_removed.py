"""Save as... of the Denoise panel follows the result layer: off once that layer is removed."""

from __future__ import annotations

from panel_helpers import denoiser


def test_save_as_is_turned_off_when_the_result_layer_is_removed(make_napari_viewer, small_image,
                                                                trained_model, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    assert denoise.save_btn.isEnabled()
    viewer.layers.remove("a [SDAP]")
    # (before: still enabled, and pressing it did nothing at all, without a word)
    assert not denoise.save_btn.isEnabled()
    denoise.start()  # a new result can be saved again
    wait_idle(denoise)
    assert denoise.save_btn.isEnabled()
