"""quality_report on a dask array of large chunks (a reader's lazy stack, map_blocks over a
stack): each chunk is made once, not once per window the check reads; the report is the same
as from the pixels in memory."""

from __future__ import annotations

import numpy as np
from synthetic import smooth_image


def _counted(stack):
    import dask.array as da

    made = {"n": 0}

    def block(b):
        made["n"] += 1
        return b

    return da.from_array(stack, chunks=stack.shape).map_blocks(block, dtype=stack.dtype), made


def test_the_check_makes_a_large_chunk_once_not_once_per_window():
    """Regression: an 8 x 512² stack in one chunk was computed 13 times for the noisy image
    and 9 for the denoised one (a costly block function: 22 times its cost); 4 x 192² with
    128-px windows here, 9 times."""
    from napari_sdap.api.quality import quality_report

    rng = np.random.default_rng(1)
    clean = np.stack([smooth_image((192, 192))] * 4).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    lazy_noisy, made_noisy = _counted(noisy)
    lazy_clean, made_clean = _counted(clean)
    lazy = quality_report(lazy_noisy, lazy_clean, axes="ZYX", window=128, planes=8)
    assert made_noisy["n"] <= 2 and made_clean["n"] <= 2, (made_noisy, made_clean)
    in_memory = quality_report(noisy, clean, axes="ZYX", window=128, planes=8)
    assert lazy.summary() == in_memory.summary()


def test_a_reference_and_a_model_read_it_once_too():
    import napari_sdap
    from napari_sdap.api.quality import quality_report

    rng = np.random.default_rng(2)
    clean = np.stack([smooth_image((96, 96))] * 3).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    model = napari_sdap.train(noisy, "ZYX", preset="tiny", steps=2, stride=1, width=8, blocks=1,
                              batch_size=2, patch_size=32, device="cpu", student=False)
    denoised = model.denoise(noisy, "ZYX")
    lazy_ref, made = _counted(clean)
    lazy = quality_report(noisy, denoised, model=model, reference=lazy_ref, axes="ZYX",
                          window=32, device="cpu")
    assert made["n"] <= 2, made
    in_memory = quality_report(noisy, denoised, model=model, reference=clean, axes="ZYX",
                               window=32, device="cpu")
    assert lazy.summary() == in_memory.summary()
