"""Inputs whose values say less than they seem: numpy masked arrays (the mask would be
dropped) and training images on very different intensity scales (one normalisation)."""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pytest

from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "student": False, "steps": 2}


def _masked(noisy):
    return np.ma.masked_array(noisy, mask=noisy > np.percentile(noisy, 90))


def test_masked_array_with_masked_pixels_is_refused_for_training(noisy_pair):
    """Regression: a masked array trained on (and was denoised by) the values under its mask,
    the mask dropped without a word."""
    from napari_sdap import train

    image = _masked(noisy_pair[1])
    with pytest.raises(InputError, match=r"masked array with 922 masked pixel.*np\.ma\.filled"):
        train(image, "YX", **TINY)


def test_masked_array_with_masked_pixels_is_refused_for_denoising(noisy_pair, tmp_path):
    from napari_sdap import train

    model = train(noisy_pair[1], "YX", **TINY)
    image = _masked(noisy_pair[1])
    before = hashlib.sha256(image.data.tobytes() + image.mask.tobytes()).hexdigest()
    with pytest.raises(InputError, match=r"image\.data"):
        model.denoise(image, "YX")
    with pytest.raises(InputError, match="masked"):
        model.denoise(image, "YX", output=tmp_path / "out.tif")
    assert list(tmp_path.iterdir()) == []
    assert hashlib.sha256(image.data.tobytes() + image.mask.tobytes()).hexdigest() == before
    # the fixes the message names work, and a masked array with nothing masked is its values
    filled = model.denoise(np.ma.filled(image, float(np.ma.median(image))), "YX")
    assert filled.shape == image.shape and np.isfinite(filled).all()
    plain = model.denoise(noisy_pair[1], "YX")
    np.testing.assert_array_equal(model.denoise(np.ma.masked_array(noisy_pair[1]), "YX"), plain)
    np.testing.assert_array_equal(model.denoise(image.data, "YX"), plain)


def test_images_on_very_different_scales_are_named(noisy_pair, caplog):
    """Regression: 0..255 next to the same image x1000 trained under one normalisation without
    a word (the first reached the network as a near-constant plane)."""
    from napari_sdap import train

    u8 = np.clip(noisy_pair[1] * 200 + 20, 0, 255).astype(np.uint8)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        train([u8, u8.astype(np.float32) * 1000], "YX", **TINY)
    text = " ".join(r.getMessage() for r in caplog.records if r.name.endswith("scales"))
    assert "very different intensity scales" in text and "image(s) 1 " in text
    assert "one model per scale" in text and "divide image 2 by about 1e+03" in text


@pytest.mark.parametrize("factor", [1.0, 0.5, 3.0])
def test_images_on_one_scale_train_without_the_warning(noisy_pair, caplog, factor):
    from napari_sdap import train

    u8 = np.clip(noisy_pair[1] * 200 + 20, 0, 255)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        train([u8, u8[::-1] * factor], "YX", **TINY)
    assert not [r for r in caplog.records if r.name.endswith("scales")]


def test_dask_masked_array_is_refused(noisy_pair):
    """Regression: a dask masked array (da.ma.masked_array) was denoised by its values under
    the mask, the mask dropped; refused by its kind (its mask is not read whole to count)."""
    import dask.array as da

    from napari_sdap import train

    model = train(noisy_pair[1], "YX", **TINY)
    lazy = da.from_array(noisy_pair[1], chunks=48)
    masked = da.ma.masked_array(lazy, mask=lazy > 0.5)
    with pytest.raises(InputError, match=r"dask masked array.*da\.ma\.getdata"):
        model.denoise(masked, "YX")
    with pytest.raises(InputError, match="dask masked array"):
        train(masked, "YX", **TINY)
    np.testing.assert_array_equal(model.denoise(da.ma.getdata(masked), "YX"),
                                  model.denoise(noisy_pair[1], "YX"))


def test_images_on_far_apart_offsets_are_named(noisy_pair, caplog):
    """One range far above the other's (an offset of 5000 on 0..255): the same warning, with
    the offset as the fix."""
    from napari_sdap import train

    u8 = np.clip(noisy_pair[1] * 200 + 20, 0, 255)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        train([u8, u8 + 5000.0], "YX", **TINY)
    assert "take each image's offset off" in caplog.text


def test_hard_masked_output_is_refused(noisy_pair):
    """Regression: an output masked array with a hard mask kept its old values under the mask
    (numpy skips those writes) without a word; a soft mask is lifted and every pixel written."""
    from napari_sdap import train
    from napari_sdap.errors import OutputError

    model = train(noisy_pair[1], "YX", **TINY)
    mask = noisy_pair[1] > 0.5
    hard = np.ma.masked_array(np.zeros_like(noisy_pair[1]), mask=mask, hard_mask=True)
    with pytest.raises(OutputError, match=r"hard mask over .*soften_mask"):
        model.denoise(noisy_pair[1], "YX", output=hard)
    soft = np.ma.masked_array(np.zeros_like(noisy_pair[1]), mask=mask)
    model.denoise(noisy_pair[1], "YX", output=soft)
    assert np.ma.count_masked(soft) == 0
    np.testing.assert_array_equal(soft.data, model.denoise(noisy_pair[1], "YX"))
