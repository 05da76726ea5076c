"""A PNG, JPEG or .npy file named `.tif` was refused in tifffile's words, "not a TIFF file:
header=b'\\x89PNG'", naming no fix; the refusal names what the file is and the ending to give."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest
import tifffile

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image

_PIXELS = (np.arange(64 * 64) % 251).astype(np.uint8).reshape(64, 64)


@pytest.mark.parametrize(("data", "kind", "ending"), [
    (lambda p: p.write_bytes(imagecodecs.png_encode(_PIXELS)), "PNG picture", ".png"),
    (lambda p: p.write_bytes(imagecodecs.jpeg8_encode(_PIXELS)), "JPEG picture", ".jpg"),
    (lambda p: np.save(p.with_suffix(".npy"), _PIXELS) or p.with_suffix(".npy").rename(p),
     "NumPy array file", ".npy"),
])
def test_other_format_named_tif_is_named(tmp_path, data, kind, ending):
    path = tmp_path / "cells.tif"
    data(path)
    with pytest.raises(InputError) as info:
        open_image(path)
    assert str(info.value) == (f"{path}: not a readable TIFF file (it is a {kind} named like a "
                               f"TIFF; rename it to end in {ending}); check the file")


def test_other_bytes_keep_tifffiles_words(tmp_path):
    path = tmp_path / "junk.tif"
    path.write_bytes(b"just some text, no image")
    with pytest.raises(InputError, match=r"not a readable TIFF file \(not a TIFF file"):
        open_image(path)


def test_a_real_tiff_still_opens(tmp_path):
    path = tmp_path / "ok.tif"
    tifffile.imwrite(path, _PIXELS)
    src = open_image(path)
    assert np.array_equal(np.asarray(src.array), _PIXELS)
    src.close()
