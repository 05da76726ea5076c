"""Clear cache keeps a result store that a layer opened from its file reads (File > Open of a
result in the cache folder, e.g. in a later session), in this napari and for another one."""

from __future__ import annotations

import os

import numpy as np
import pytest
from panel_helpers import denoiser

from napari_sdap._napari import in_use


@pytest.mark.parametrize("rgb", [False, True])
def test_a_result_opened_from_the_cache_survives_clear_cache(make_napari_viewer, small_image,
                                                            trained_model, tiny, wait_idle,
                                                            _cache_in_tmp, rgb):
    """Regression: Clear cache deleted it (1 deleted, 0 kept) and the layer then read zeros."""
    from napari_sdap._napari.widget_train import TrainWidget

    viewer = make_napari_viewer()
    image = (np.stack([small_image] * 3, axis=-1) * 200).clip(0, 255).astype(np.uint8) \
        if rgb else small_image
    viewer.add_image(image, name="cells")
    model = trained_model
    if rgb:  # a colour model for the colour layer
        train = tiny(TrainWidget(viewer), steps=2)
        train.start()
        wait_idle(train)
        model = train.session.model
    denoise = denoiser(viewer, model)
    denoise.confirm = lambda question: True
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done", denoise.status.text()
    store = denoise.output_path
    viewer.layers.remove("cells [SDAP]")  # closed; opened again later with File > Open
    target = store / "0" if store.name.endswith(".ome.zarr") else store
    opened = viewer.open(str(target))
    shown = np.asarray(opened[0].data).copy()
    assert shown.max() > 0
    marker = _cache_in_tmp.parent / f".{_cache_in_tmp.name}-in-use" / str(os.getpid())
    assert store.name in marker.read_text().splitlines()  # another napari keeps it too
    deleted, kept = denoise.output.clear()
    assert (deleted, kept) == (0, 1)
    assert store.exists()
    np.testing.assert_array_equal(np.asarray(opened[0].data), shown)
    viewer.layers.remove(opened[0])
    assert str(store) not in in_use.stores_shown()
    assert denoise.output.clear() == (1, 0) and not store.exists()
