"""An integer output dtype that cannot hold the model's intensities: dtype='uint8' for a
16-bit model gave an image of 255 everywhere, and uint8 for a 0..1 float model one of 0 and 1,
without a word; refused where every pixel would clip, warned where part would or where few
levels are left."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from napari_sdap.errors import OutputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "student": False, "steps": 1}


@pytest.fixture(scope="module")
def models():
    from napari_sdap import train
    from tests.synthetic import smooth_image

    clean = smooth_image((64, 64))
    img = (clean + np.random.default_rng(3).normal(0, 0.1, clean.shape)).astype(np.float32)
    u16 = (img * 20000 + 10000).astype(np.uint16)
    return (train(u16, "YX", **TINY), u16), (train(img, "YX", **TINY), img)


@pytest.mark.parametrize("dt", ["uint8", "int8"])
def test_a_dtype_below_the_whole_range_is_refused(models, tmp_path, dt):
    (model, u16), _ = models
    with pytest.raises(OutputError, match=r"every pixel would be clipped to one value"):
        model.denoise(u16, "YX", dtype=dt)
    with pytest.raises(OutputError, match="dtype='input'"):
        model.denoise(u16, "YX", dtype=dt, output=tmp_path / "o.tif")
    with pytest.raises(OutputError, match="clipped to one value"):
        model.denoise(u16, "YX", output=np.zeros(u16.shape, dt))
    assert list(tmp_path.iterdir()) == []


def test_a_dtype_clipping_part_or_keeping_few_levels_is_warned(models, caplog):
    (model, u16), (fmodel, img) = models
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        out = model.denoise(u16, "YX", dtype="int16")  # (max 32767: the top is clipped)
    assert out.dtype == np.int16 and "the pixels beyond are clipped" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        fmodel.denoise(img, "YX", dtype="uint8")
    assert "keeps only about" in caplog.text and "grey levels" in caplog.text


def test_the_input_dtype_and_floats_are_not_warned(models, caplog):
    (model, u16), (fmodel, img) = models
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        assert model.denoise(u16, "YX", dtype="input").dtype == np.uint16
        model.denoise(u16, "YX", output=np.zeros(u16.shape, np.uint16))
        fmodel.denoise(img, "YX", dtype="float16")
    assert "dtype" not in caplog.text


@pytest.mark.parametrize("out", [None, "result.tif", [[0.0]]])
def test_iter_denoise_out_must_be_an_array(models, out):
    """Regression: model.iter_denoise(image, None) (or a path) raised AttributeError."""
    _, (fmodel, img) = models
    with pytest.raises(OutputError, match=r"out must be an array.*output='result\.tif'"):
        list(fmodel.iter_denoise(img, out))


def test_an_integer_output_array_names_a_float_array_as_the_fix(models):
    (model, u16), _ = models
    with pytest.raises(OutputError, match=r"np\.empty\(image\.shape, 'float32'\)"):
        model.denoise(u16, "YX", output=np.zeros(u16.shape, np.int8))
