"""Robust normalisation and input checks."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.axes import plane_view
from napari_sdap.config import NormalizationConfig
from napari_sdap.errors import InputError
from napari_sdap.model.normalize import (
    Normalization,
    check_dtype,
    check_finite,
    compute_normalization,
)


def test_percentiles_and_exact_inverse():
    img = np.random.default_rng(0).uniform(100, 4000, (64, 64)).astype(np.uint16)
    norm = compute_normalization([(img, plane_view(img.shape, "YX"))], NormalizationConfig())
    lo, hi = np.percentile(img.astype(np.float32), [0.5, 99.8])
    assert norm.low[0] == pytest.approx(lo) and norm.high[0] == pytest.approx(hi)
    x = img.astype(np.float32)
    y = norm.forward(x, 0)
    assert 0 <= np.median(y) <= 1
    np.testing.assert_allclose(norm.inverse(y, 0), x, rtol=1e-6)


def test_independent_channels_get_their_own_mapping():
    rng = np.random.default_rng(0)
    img = np.stack([rng.uniform(0, 10, (32, 32)), rng.uniform(1000, 5000, (32, 32))])
    norm = compute_normalization([(img, plane_view(img.shape, "CYX"))], NormalizationConfig())
    assert len(norm.low) == 2 and norm.high[0] < 11 and norm.low[1] > 999


def test_joint_rgb_shares_one_mapping():
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    norm = compute_normalization([(img, plane_view(img.shape, "YXC"))], NormalizationConfig())
    assert len(norm.low) == 1


def test_constant_image_does_not_divide_by_zero():
    norm = Normalization(low=[5.0], high=[5.0])
    y = norm.forward(np.full((4, 4), 5.0), 0)
    assert np.isfinite(y).all()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float16, np.float64])
def test_supported_dtypes(dtype):
    assert check_dtype(dtype) == np.dtype(dtype)


@pytest.mark.parametrize(("dtype", "word"), [(bool, "boolean"), (np.complex64, "complex"),
                                             (object, "object")])
def test_unsupported_dtypes_name_the_dtype_and_the_fix(dtype, word):
    with pytest.raises(InputError, match=word) as err:
        check_dtype(dtype)
    assert "astype" in str(err.value)


def test_check_finite_counts_bad_values():
    a = np.zeros((4, 4), np.float32)
    a[0, 0], a[1, 1] = np.nan, np.inf
    with pytest.raises(InputError, match="2 NaN or infinite") as err:
        check_finite(a)
    assert "nan_to_num" in str(err.value)
