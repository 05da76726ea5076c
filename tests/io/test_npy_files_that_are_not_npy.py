"""A file named .npy that is not a NumPy array: numpy took it for a pickle and told the user to
load it with `allow_pickle=True` (which runs what a pickle holds); an empty one ended in a raw
`EOFError`. Each is an `InputError` naming what the file is and what to do."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image


def test_tiff_named_npy_is_named_a_tiff(tmp_path):
    path = tmp_path / "cells.npy"
    tifffile.imwrite(path, np.zeros((16, 16), np.float32))
    with pytest.raises(InputError) as info:
        open_image(path)
    text = str(info.value)
    assert "not a readable .npy array" in text and "TIFF file" in text and ".tif" in text
    assert "allow_pickle" not in text


def test_other_bytes_named_npy_name_no_pickle(tmp_path):
    path = tmp_path / "junk.npy"
    path.write_bytes(b"hello, this is no array at all" * 4)
    with pytest.raises(InputError) as info:
        open_image(path)
    text = str(info.value)
    assert "does not start with NumPy's .npy header" in text and "numpy.save" in text
    assert "allow_pickle" not in text and "pickle" not in text


def test_empty_npy_is_an_input_error(tmp_path):
    path = tmp_path / "empty.npy"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.npy: not a readable \.npy array \(it is empty"):
        open_image(path)


def test_real_npy_still_opens(tmp_path):
    path = tmp_path / "ok.npy"
    data = np.arange(400, dtype=np.float32).reshape(20, 20)
    np.save(path, data)
    src = open_image(path)
    assert np.array_equal(np.asarray(src.array), data)
    src.close()
