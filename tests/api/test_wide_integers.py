"""32- and 64-bit integer images with a large offset: read in float64 so that float32's 24 bits
never round the signal away before the offset is taken off (`axes.exact_float`)."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import TINY

from napari_sdap.api import train
from napari_sdap.errors import InputError


def _counts(offset, dtype, seed=0):
    """Counts of std 10 on a smooth pattern, `offset` above zero; (image, clean pattern)."""
    yy, xx = np.mgrid[0:48, 0:48]
    clean = 100 + 50 * np.sin(yy / 7) * np.cos(xx / 5)
    noisy = np.round(clean + np.random.default_rng(seed).normal(0, 10, clean.shape))
    return (noisy + offset).astype(dtype), clean


@pytest.mark.parametrize(("offset", "dtype"), [(4_000_000_000, np.uint32),
                                                (2**40, np.int64), (2**50, np.uint64)])
def test_a_large_offset_is_kept_apart_from_the_signal(offset, dtype):
    image, clean = _counts(offset, dtype)
    model = train(image, steps=3, stride=2, **TINY)  # (int64 at 2**40: once "constant")
    low, high = model.normalization.low[0], model.normalization.high[0]
    assert 0 < high - low < 300 and abs(low - offset) < 200
    out = model.denoise(image, dtype="input")
    assert out.dtype == dtype
    signal = out.astype(np.float64) - offset  # exact: the offset is a whole number
    assert np.unique(out).size > 50  # float32 rounding left 2 grey levels near 4e9
    assert np.corrcoef(signal.ravel(), clean.ravel())[0, 1] > 0.8
    assert np.abs(signal - clean).mean() < 15  # within the noise (std 10), not 256 apart
    lazy = np.asarray(model.denoise(image, dtype="input", lazy=True))
    np.testing.assert_array_equal(lazy, out)


def test_float64_beyond_float32_range_is_still_refused():
    image = np.full((48, 48), 1.0) + np.random.default_rng(0).normal(0, 1, (48, 48))
    image[3, 4] = 1e39  # beyond float32's range: counts as infinite, read in float64 or not
    with pytest.raises(InputError, match=r"1 NaN or infinite value\(s\) \(beyond \+-3\.4e38"):
        train(image, steps=2, stride=2, **TINY)


def test_an_offset_beyond_float64_steps_is_refused_with_the_fix():
    image, _ = _counts(2**62, np.uint64)
    with pytest.raises(InputError, match=r"the image \(uint64\) has values near 4\.61169e\+18 "
                                         r"that vary by only .*float64.* keeps 53 bits "
                                         r"\(float32 keeps 24\).*steps of 1024.*subtract the "
                                         r"offset first, e\.g\. image - image\.min\(\)"):
        train(image, steps=2, stride=2, **TINY)


@pytest.mark.parametrize(("offset", "dtype"), [(4_000_000_000, np.uint32), (2**40, np.int64),
                                                (1e9, np.float64)])
def test_the_default_output_dtype_keeps_the_levels_of_a_large_offset(offset, dtype, caplog):
    image, _ = _counts(offset, dtype)
    model = train(image, steps=3, stride=2, **TINY)
    with caplog.at_level("INFO", logger="napari_sdap.api.writing"):
        out = model.denoise(image)  # float32 kept 1 to 8 grey levels here
    assert out.dtype == np.float64 and np.unique(out).size > 50
    assert "float64 rather than the default float32" in caplog.text
    np.testing.assert_array_equal(np.asarray(model.denoise(image, lazy=True)), out)
    caplog.clear()
    with caplog.at_level("WARNING", logger="napari_sdap.api.writing"):
        out32 = model.denoise(image, dtype="float32")  # explicit: kept, with a warning
    assert out32.dtype == np.float32
    assert "dtype='float64'" in caplog.text and "loses" in caplog.text


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_ordinary_images_still_default_to_float32(dtype, caplog):
    image, _ = _counts(20, dtype)
    model = train(image, steps=3, stride=2, **TINY)
    with caplog.at_level("INFO", logger="napari_sdap.api.writing"):
        out = model.denoise(image)
    assert out.dtype == np.float32 and "float64" not in caplog.text
    np.testing.assert_array_equal(out, model.denoise(image, dtype="float32"))
