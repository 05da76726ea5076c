"""open_image on PNG and JPEG pictures (decoded whole by imagecodecs)."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image


@pytest.fixture
def grey():
    return np.random.default_rng(0).integers(0, 256, (24, 36)).astype(np.uint8)


def test_grey_and_16_bit_png_read_exactly(tmp_path, grey):
    imagecodecs.imwrite(tmp_path / "a.png", grey)
    wide = grey.astype(np.uint16) * 257
    imagecodecs.imwrite(tmp_path / "b.PNG", wide)
    with open_image(tmp_path / "a.png") as src:
        assert src.axes == "YX" and src.dtype == np.uint8 and src.metadata["format"] == "png"
        np.testing.assert_array_equal(np.asarray(src.array), grey)
    with open_image(tmp_path / "b.PNG") as src:
        assert src.dtype == np.uint16
        np.testing.assert_array_equal(np.asarray(src.array), wide)


def test_colour_jpeg_is_yxc(tmp_path):
    y, x = np.mgrid[:24, :36]
    rgb = np.stack([6 * x, 255 - 10 * y, 3 * x + 4 * y], axis=-1).astype(np.uint8)  # smooth
    imagecodecs.imwrite(tmp_path / "c.jpg", rgb, level=95)
    with open_image(tmp_path / "c.jpg") as src:
        assert src.axes == "YXC" and src.shape == rgb.shape and src.metadata["format"] == "jpg"
        assert np.abs(np.asarray(src.array).astype(int) - rgb).mean() < 3  # lossy


def test_opaque_alpha_is_left_out_and_varying_alpha_refused(tmp_path, grey):
    full = np.full_like(grey, 255)
    imagecodecs.imwrite(tmp_path / "rgba.png", np.dstack([grey, grey, grey, full]))
    imagecodecs.imwrite(tmp_path / "la.png", np.dstack([grey, full]))
    with open_image(tmp_path / "rgba.png") as src:
        assert src.axes == "YXC" and src.shape == (24, 36, 3)
    with open_image(tmp_path / "la.png") as src:
        assert src.axes == "YX"
        np.testing.assert_array_equal(np.asarray(src.array), grey)
    imagecodecs.imwrite(tmp_path / "holes.png", np.dstack([grey, grey, grey, grey]))
    with pytest.raises(InputError, match=r"holes\.png: .*transparency .* varies"):
        open_image(tmp_path / "holes.png")


def test_broken_picture_and_series_are_refused(tmp_path, grey):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(InputError, match=r"bad\.png: not a readable PNG or JPEG picture"):
        open_image(tmp_path / "bad.png")
    imagecodecs.imwrite(tmp_path / "a.png", grey)
    with pytest.raises(InputError, match="holds one image: leave series out"):
        open_image(tmp_path / "a.png", series=1)


def test_a_cmyk_jpeg_is_refused_as_cmyk(tmp_path, grey):
    ink = np.dstack([grey, grey // 2, 255 - grey, grey // 3])
    (tmp_path / "ink.jpg").write_bytes(imagecodecs.jpeg8_encode(ink, colorspace="CMYK",
                                                                outcolorspace="CMYK"))
    with pytest.raises(InputError, match=r"ink\.jpg: a CMYK JPEG .*save it as RGB or grey"):
        open_image(tmp_path / "ink.jpg")
