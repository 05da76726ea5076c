"""Pixel values: NaN/Inf, constants, spikes, extreme ranges and unsupported dtypes."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from napari_sdap.errors import InputError

from .helpers import digest, noisy, quick_train


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "posinf", "neginf"])
def test_non_finite_pixels_are_refused_before_any_work(gray_model, bad):
    image = noisy((32, 32))
    image[5, 7] = bad
    before = digest(image)
    with pytest.raises(InputError, match=r"1 NaN or infinite value.*nan_to_num"):
        gray_model.denoise(image)
    assert digest(image) == before


def test_nan_in_one_plane_of_a_lazy_stack_names_the_plane(gray_model):
    stack = noisy((3, 32, 32))
    stack[2, 0, 0] = np.nan
    lazy = da.from_array(stack, chunks=(1, 16, 16))
    with pytest.raises(InputError, match=r"plane 2 of the image near y=\d+, x=\d+ contains 1 NaN"):
        gray_model.denoise(lazy, "ZYX")


def test_nan_in_training_image_is_refused():
    image = noisy((48, 48))
    image[10:12, 10:12] = np.nan
    before = digest(image)
    with pytest.raises(InputError, match=r"NaN or infinite.*replace or rescale them first"):
        quick_train(image)
    assert digest(image) == before


@pytest.mark.parametrize("value", [0.0, 7.5], ids=["zero", "constant"])
def test_training_on_a_constant_image_says_there_is_nothing_to_learn(value):
    image = np.full((48, 48), value, np.float32)
    with pytest.raises(InputError, match=rf"constant \(every sampled pixel is {value:g}\).*"
                                         r"no noise to learn.*right image or channel"):
        quick_train(image)


def test_training_with_one_empty_channel_names_that_channel():
    image = noisy((2, 48, 48))
    image[1] = 0
    with pytest.raises(InputError, match=r"channel 1 of the image is constant.*drop the empty"):
        quick_train(image, "CYX")


@pytest.mark.parametrize("value", [0.0, 0.75])
def test_denoising_a_constant_image_gives_a_finite_result(gray_model, value):
    image = np.full((32, 32), value, np.float32)
    out = gray_model.denoise(image)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    assert (image == value).all()


def test_a_single_pixel_spike_never_reaches_its_own_output_pixel(gray_model):
    """Blind spot: in `bsn` mode the output at a pixel does not depend on that pixel, also with
    the detail restore (a lone outlier is never given back)."""
    assert gray_model.refine() is not None and gray_model.refine().detail
    image = noisy((32, 32))
    spiked = image.copy()
    spiked[16, 16] = 1e6
    a = gray_model.denoise(image, mode="bsn")
    b = gray_model.denoise(spiked, mode="bsn")
    assert np.isfinite(b).all()
    assert b[16, 16] == pytest.approx(a[16, 16], rel=1e-5, abs=1e-5)
    assert spiked[16, 16] == 1e6 and np.array_equal(spiked[image != spiked], [1e6])


def test_uint16_full_range_trains_and_denoises_on_the_input_scale():
    rng = np.random.default_rng(0)
    image = np.where(rng.random((48, 48)) < 0.5, 0, 65535).astype(np.uint16)
    image[:24] = rng.integers(0, 65536, (24, 48), dtype=np.uint16)
    before = digest(image)
    model = quick_train(image)
    out = model.denoise(image)
    assert out.dtype == np.float32 and out.shape == image.shape and np.isfinite(out).all()
    assert model.normalization.low[0] >= 0 and model.normalization.high[0] <= 65535
    assert digest(image) == before


def test_values_near_the_float32_limit_stay_finite():
    """Regression: (x - low) / scale overflowed float32 and denoise() returned inf/NaN."""
    rng = np.random.default_rng(1)
    image = (rng.uniform(-1, 1, (48, 48)) * 3e38).astype(np.float32)
    model = quick_train(image)
    assert all(np.isfinite(model.normalization.low + model.normalization.high))
    out = model.denoise(image)
    assert np.isfinite(out).all()
    assert np.abs(out).max() <= np.finfo(np.float32).max


def test_negative_float_images_keep_their_scale():
    image = noisy((48, 48)) * 100 - 1000  # about -1000 .. -900
    model = quick_train(image)
    assert model.normalization.high[0] < -800 and model.normalization.low[0] > -1100
    out = model.denoise(image)
    assert np.isfinite(out).all() and out.shape == image.shape


@pytest.mark.parametrize(("dtype", "words"), [
    (bool, r"bool is not supported: a binary image .*denoise the recorded image"),
    (np.complex64, r"complex64 \(complex\) is not supported.*np\.abs\(\)"),
    (object, r"object \(object\) is not supported.*astype"),
    ("<U3", r"<U3.*is not supported.*integer or real float"),
], ids=["bool", "complex", "object", "str"])
def test_unsupported_dtypes_are_refused_with_the_conversion_to_use(gray_model, dtype, words):
    image = np.ones((32, 32), dtype=dtype)
    before = digest(image)
    with pytest.raises(InputError, match=words):
        gray_model.denoise(image)
    with pytest.raises(InputError, match=words):
        quick_train(image)
    assert digest(image) == before


@pytest.mark.parametrize("dtype", ["uint8", "int16", ">u2", "float16", "float64", ">f4"])
def test_integer_low_precision_and_big_endian_inputs_match_float32(counts_model, dtype):
    rng = np.random.default_rng(2)
    image = rng.integers(0, 100, (24, 24)).astype(dtype)
    out = counts_model.denoise(image)
    ref = counts_model.denoise(image.astype(np.float32))
    np.testing.assert_array_equal(out, ref)
