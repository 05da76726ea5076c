"""The dtype and finiteness checks of pixel values."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.errors import InputError
from napari_sdap.values import check_dtype, check_finite


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float16, np.float64])
def test_supported_dtypes(dtype):
    assert check_dtype(dtype) == np.dtype(dtype)


@pytest.mark.parametrize(("dtype", "word"), [(np.complex64, "complex"), (object, "object")])
def test_unsupported_dtypes_name_the_dtype_and_the_fix(dtype, word):
    with pytest.raises(InputError, match=word) as err:
        check_dtype(dtype)
    assert "astype" in str(err.value) and "save it as integers or floats" in str(err.value)


def test_a_binary_image_is_refused_as_holding_no_grey_levels():
    with pytest.raises(InputError, match=r"dtype bool .*binary image .*no grey levels") as err:
        check_dtype(bool)
    assert "astype" not in str(err.value)


def test_check_finite_counts_bad_values():
    a = np.zeros((4, 4), np.float32)
    a[0, 0], a[1, 1] = np.nan, np.inf
    with pytest.raises(InputError, match="2 NaN or infinite") as err:
        check_finite(a)
    assert "nan_to_num" in str(err.value)
