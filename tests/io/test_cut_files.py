"""Files cut short (an interrupted copy or download) are refused, not read as less data:
a multi-page TIFF whose description and later pages were cut off opened as one 2-D plane, and
a cut JPEG decoded with its missing rows flat grey, both denoised as complete."""

from __future__ import annotations

import io
import logging

import imagecodecs
import numpy as np
import pytest
import tifffile

from napari_sdap.errors import InputError
from napari_sdap.io.picture_checks import jpeg_cut
from napari_sdap.io.readers import open_image


@pytest.fixture(autouse=True)
def _quiet_tifffile():
    logging.getLogger("tifffile").setLevel(logging.CRITICAL)


def _stack() -> np.ndarray:
    return (np.random.default_rng(0).poisson(50, (6, 32, 32)) + 1000).astype(np.uint16)


@pytest.mark.parametrize("kind", ["shaped", "ome"])
def test_a_cut_stack_without_its_description_is_not_one_plane(tmp_path, kind):
    path = tmp_path / ("cut.ome.tif" if kind == "ome" else "cut.tif")
    tifffile.imwrite(path, _stack(), ome=kind == "ome", metadata={"axes": "ZYX"})
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * 0.7)])  # the pages' data stays, the chain is cut
    with pytest.raises(InputError, match=r"cut\.(ome\.)?tif: the file is truncated \(page 0 "
                                         r"links to a next page at byte \d+, but the file "
                                         r"has \d+ bytes.*copy or export it again"):
        open_image(path)


def test_complete_tiffs_still_open(tmp_path):
    for name, kw in [("a.tif", {}), ("b.ome.tif", {"ome": True}), ("c.tif", {"imagej": True})]:
        tifffile.imwrite(tmp_path / name, _stack(), metadata={"axes": "ZYX"}, **kw)
        with open_image(tmp_path / name) as src:
            assert src.shape == (6, 32, 32) and src.axes == "ZYX"
    buf = io.BytesIO()  # BigTIFF: other offset sizes
    tifffile.imwrite(buf, _stack(), bigtiff=True, metadata={"axes": "ZYX"})
    (tmp_path / "d.tif").write_bytes(buf.getvalue())
    with open_image(tmp_path / "d.tif") as src:
        assert src.shape == (6, 32, 32)


def _jpeg() -> bytes:
    grey = (np.random.default_rng(1).integers(0, 255, (64, 64))).astype(np.uint8)
    return imagecodecs.jpeg8_encode(grey)


def test_a_cut_jpeg_is_refused(tmp_path):
    whole = _jpeg()
    (tmp_path / "whole.jpg").write_bytes(whole)
    (tmp_path / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    with open_image(tmp_path / "whole.jpg") as src:
        assert src.shape == (64, 64)
    with pytest.raises(InputError, match=r"cut\.jpg: the JPEG file is truncated .*grey\); copy "
                                         r"or download it again"):
        open_image(tmp_path / "cut.jpg")


def test_a_jpeg_thumbnail_end_marker_does_not_hide_the_cut():
    whole, thumb = _jpeg(), imagecodecs.jpeg8_encode(np.zeros((8, 8), np.uint8))
    app1 = b"\xff\xe1" + (len(thumb) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + thumb
    camera = whole[:2] + app1 + whole[2:]
    assert not jpeg_cut(camera) and not jpeg_cut(camera + b"trailer")
    assert jpeg_cut(camera[:-300])
    assert not jpeg_cut(b"\x89PNG\r\n\x1a\n")


def test_an_unreadable_picture_is_named_in_one_short_reason(tmp_path):
    (tmp_path / "c.png").write_bytes(b"hello")
    with pytest.raises(InputError) as err:
        open_image(tmp_path / "c.png")
    assert "(PNG_DECODE: not a PNG image); check the file" in str(err.value)
    assert "JPEG8_DECODE" not in str(err.value) and "\n" not in str(err.value)


def test_a_tiff_stack_named_like_a_picture_is_not_read_as_its_first_plane(tmp_path):
    """Regression: the picture decoder recognised the TIFF and gave its first page alone: a
    3-plane stack named .png came out as one 2-D plane, reported done."""
    path = tmp_path / "stack.png"
    tifffile.imwrite(path, _stack(), metadata={"axes": "ZYX"})
    with pytest.raises(InputError, match=r"stack\.png: the file is a TIFF file named like a "
                                         r"picture \(\.png\).*first plane alone\); rename it "
                                         r"to end in \.tif"):
        open_image(path)
    np.save(tmp_path / "array.npy", _stack())
    (tmp_path / "array.npy").rename(tmp_path / "array.jpg")
    with pytest.raises(InputError, match=r"NumPy array file .*end in \.npy"):
        open_image(tmp_path / "array.jpg")
