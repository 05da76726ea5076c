"""A clean reference with other dimensions than the noisy image (one clean plane for a stack of
frames, as FMD-style averages are; an RGB reference of a grey image) was refused in the words
of the axes: "axes 'TYX' has 3 letters but the image has 2 dimensions ...; give one letter per
dimension", about letters the user never gave for the reference (the noisy image's axes were
applied to it) and that `napari-sdap denoise --qc --reference` has no option for. It names the
two shapes instead."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap import InputError, quality_report


def _stack() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    clean = np.linspace(10, 50, 32 * 32, dtype=np.float32).reshape(32, 32)
    noisy = clean + rng.normal(0, 3, (3, 32, 32)).astype(np.float32)
    return noisy, clean


@pytest.mark.parametrize("axes", [None, "TYX"])
def test_a_plane_as_the_reference_of_a_stack_names_the_shapes(axes):
    noisy, clean = _stack()
    with pytest.raises(InputError) as info:
        quality_report(noisy, noisy * 0.9, reference=clean, axes=axes)
    text = str(info.value)
    assert text.startswith("the reference image has shape (32, 32), the noisy one (3, 32, 32)")
    assert "give images of the same shape" in text and "letter" not in text


def test_an_rgb_reference_file_of_a_grey_image_names_the_shapes(tmp_path):
    noisy, clean = _stack()
    ref = tmp_path / "clean_rgb.tif"
    tifffile.imwrite(ref, np.stack([clean] * 3, axis=-1).astype(np.uint8), photometric="rgb")
    with pytest.raises(InputError) as info:
        quality_report(noisy[0], noisy[0] * 0.9, reference=str(ref), axes="YX")
    text = str(info.value)
    assert "the reference image has shape (32, 32, 3), the noisy one (32, 32)" in text
    assert "letter" not in text


def test_a_reference_of_the_same_dimensions_still_reads_as_before():
    noisy, clean = _stack()
    report = quality_report(noisy, noisy * 0.9, reference=np.stack([clean] * 3), axes="TYX")
    assert report.to_dict()["reference"]["psnr"] > 0
    with pytest.raises(InputError, match="the reference image has shape"):  # (a shape check)
        quality_report(noisy, noisy * 0.9, reference=np.stack([clean] * 2), axes="TYX")

