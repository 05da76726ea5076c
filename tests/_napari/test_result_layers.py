"""Result layers (`layers.show_result`, the Denoise panel's run): only layers napari-sdap made
are replaced; a user's layer that happens to carry a result's name is never removed."""

from __future__ import annotations

import numpy as np
from panel_helpers import denoiser, slow_stack


def test_a_users_layers_named_like_the_result_are_kept(make_napari_viewer, small_image,
                                                       trained_model, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    labels = viewer.add_labels(np.zeros((64, 64), np.uint8), name="cells [SDAP]")
    labels.data[10:20, 10:20] = 1  # hand-drawn annotation
    mine = viewer.add_image(small_image * 0, name="cells [SDAP 2]")  # an image of the user's
    denoise = denoiser(viewer, trained_model)
    denoise.picker.setCurrentText("cells")
    for _ in range(2):  # the second run replaces the first one's layer
        denoise.start()
        wait_idle(denoise)
        assert denoise.outcome == "done", denoise.status.text()
    assert denoise.out_layer.name == "cells [SDAP 3]"
    assert [ly.name for ly in viewer.layers] == ["cells", "cells [SDAP]", "cells [SDAP 2]",
                                                 "cells [SDAP 3]"]
    assert viewer.layers["cells [SDAP]"] is labels and labels.data[15, 15] == 1
    assert viewer.layers["cells [SDAP 2]"] is mine and not mine.data.any()


def test_a_stopped_run_leaves_a_users_layer_alone(make_napari_viewer, small_image,
                                                  trained_model, qtbot, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(slow_stack(small_image), name="s", contrast_limits=(0, 1))
    labels = viewer.add_labels(np.ones((8, 64, 64), np.uint8), name="s [SDAP]")
    denoise = denoiser(viewer, trained_model)
    denoise.picker.setCurrentText("s")
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    denoise.stop()
    wait_idle(denoise)
    assert denoise.outcome == "stopped"
    assert [ly.name for ly in viewer.layers] == ["s", "s [SDAP]"]  # the partial result went
    assert viewer.layers["s [SDAP]"] is labels and labels.data.all()


def test_the_residual_of_an_rgba_layer_is_that_of_its_colours(make_napari_viewer, small_image,
                                                                wait_idle):
    import napari_sdap

    rgb = np.clip(np.stack([small_image * 200, small_image * 150, small_image * 100], -1), 0,
                  255).astype(np.uint8)
    model = napari_sdap.train(rgb, "YXC", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu")
    rgba = np.concatenate([rgb, np.full((64, 64, 1), 200, np.uint8)], axis=-1)
    viewer = make_napari_viewer()
    viewer.add_image(rgba, name="c", rgb=True)
    denoise = denoiser(viewer, model)
    denoise.residual.setChecked(True)
    denoise.start()
    wait_idle(denoise)
    out = np.asarray(denoise.out_layer.data)
    assert (out[..., 3] == 200).all()  # the alpha is copied, so it has no residual
    colours = (rgba[..., :3] - out[..., :3]).mean(axis=-1)
    residual = np.asarray(viewer.layers["c [SDAP residual]"].data)
    np.testing.assert_allclose(residual, colours, atol=1e-4)  # was 3/4 of it (alpha's 0 in)


def test_a_stopped_run_of_other_dimensions_gives_the_earlier_result_back(
        make_napari_viewer, small_image, trained_model, qtbot, wait_idle, tmp_path):
    viewer = make_napari_viewer()
    layer = viewer.add_image(small_image, name="s", contrast_limits=(0, 1))
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    first = denoise.out_layer
    layer.data = slow_stack(small_image)  # now a stack: the next result has other dimensions
    denoise.start()
    qtbot.waitUntil(lambda: denoise.progress.value() >= 1, timeout=30_000)
    denoise.stop()
    wait_idle(denoise)
    assert denoise.outcome == "stopped"
    assert viewer.layers["s [SDAP]"] is first and first.ndim == 2  # was a 3-D layer, unsaveable
    assert "'s [SDAP]' (finished earlier) is kept" in denoise.status.text()
    assert denoise.save_result(str(tmp_path / "first.tif")) is not None
