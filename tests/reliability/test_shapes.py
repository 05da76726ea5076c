"""Shapes and axes: empty, tiny, strips, stacks up to 6-D, lazy chunks, axes strings, RGB(A)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import zarr

from napari_sdap.errors import AxesError, InputError, OutputError
from napari_sdap.infer.passes import halo

from .helpers import digest, noisy, quick_train


@pytest.mark.parametrize("shape", [(0, 16), (16, 0), (3, 0, 16)])
def test_empty_images_are_refused(gray_model, shape):
    with pytest.raises(InputError, match=r"image is empty \(shape .*\); give a non-empty image"):
        gray_model.denoise(np.zeros(shape, np.float32))
    with pytest.raises(InputError, match=r"image is empty"):
        quick_train(np.zeros(shape, np.float32))


@pytest.mark.parametrize("image", [np.float32(3), np.zeros(16, np.float32)], ids=["0d", "1d"])
def test_fewer_than_two_dimensions_are_refused(gray_model, image):
    with pytest.raises(InputError, match=r"at least 2 dimensions \(Y, X\)"):
        gray_model.denoise(image)


@pytest.mark.parametrize("shape", [(1, 1), (1, 50), (50, 1), (3, 50)])
def test_single_pixels_and_strips_name_the_minimum_size(gray_model, shape):
    image = noisy(shape)
    with pytest.raises(InputError, match=rf"image plane {shape[0]}x{shape[1]} is smaller than "
                                         r"the 8x8 minimum of mode 'sdap_e'.*mode='bsn'"):
        gray_model.denoise(image)
    with pytest.raises(InputError, match=r"too small to train.*use a larger image or stride=1"):
        quick_train(image)


def test_bsn_mode_minimum_is_four_pixels(gray_model):
    with pytest.raises(InputError, match=r"3x3 is smaller than the 4x4 minimum of mode 'bsn'"):
        gray_model.denoise(noisy((3, 3)), mode="bsn")
    assert gray_model.denoise(noisy((4, 4)), mode="bsn").shape == (4, 4)


@pytest.mark.parametrize(("shape", "mode"), [((8, 8), "sdap_e"), ((9, 11), "sdap"),
                                             ((5, 4), "bsn")])
def test_images_smaller_than_the_receptive_field_are_denoised(gray_model, shape, mode):
    reach = halo(gray_model.network.radius, mode, gray_model.config.inference.pd_stride)
    assert 2 * reach + 1 > max(shape)  # every output pixel would see past the image
    out = gray_model.denoise(noisy(shape), mode=mode)
    assert out.shape == shape and np.isfinite(out).all()


def test_training_image_smaller_than_the_patch_shrinks_the_patch():
    model = quick_train(noisy((20, 26)), patch_size=48)
    assert model.config.training.patch_size == 20
    assert model.record.steps == 2


def test_stacks_of_five_and_six_dimensions_match_plane_by_plane(gray_model):
    stack = noisy((2, 1, 2, 16, 16), seed=3)
    out = gray_model.denoise(stack, "TCZYX")
    assert out.shape == stack.shape
    np.testing.assert_allclose(out[1, 0, 1], gray_model.denoise(stack[1, 0, 1]), atol=1e-6)
    six = stack[None].repeat(2, axis=0)
    out6 = gray_model.denoise(six, "STCZYX")
    assert out6.shape == six.shape
    np.testing.assert_allclose(out6[1], out, atol=1e-6)


def test_four_dimensions_without_axes_ask_for_axes(gray_model):
    with pytest.raises(AxesError, match=r"cannot guess the axes of a 4-D image.*pass axes=, e.g. "
                                        r"TZYX"):
        gray_model.denoise(noisy((2, 2, 16, 16)))


@pytest.mark.parametrize(("axes", "words"), [
    ("ZYX", r"'ZYX' has 3 letters but the image has 2 dimensions.*one letter per dimension"),
    ("QX", r"unknown letters \['Q'\]; use only S, T, C, Z, Y, X"),
    ("YY", r"repeats \['Y'\]; name each axis once"),
    ("ZX", r"must contain both Y and X"),
    (2, r"axes must be a string such as 'YX'"),
])
def test_axes_that_do_not_describe_the_array_are_refused(gray_model, axes, words):
    image = noisy((16, 16))
    with pytest.raises(AxesError, match=words):
        gray_model.denoise(image, axes)
    with pytest.raises(AxesError, match=words):
        quick_train(image, axes)


def test_axes_are_case_insensitive_and_any_order(gray_model):
    image = noisy((16, 24))
    ref = gray_model.denoise(image, "YX")
    np.testing.assert_array_equal(gray_model.denoise(image, "yx"), ref)
    np.testing.assert_allclose(gray_model.denoise(np.ascontiguousarray(image.T), "XY"), ref.T,
                               atol=1e-6)


def test_ragged_dask_chunks_match_numpy(gray_model):
    image = noisy((2, 40, 40), seed=4)
    lazy = da.from_array(image, chunks=((1, 1), (7, 33), (17, 23)))
    np.testing.assert_array_equal(gray_model.denoise(lazy, "ZYX"),
                                  gray_model.denoise(image, "ZYX"))


def test_zarr_input_with_odd_chunks_matches_numpy(gray_model):
    image = noisy((40, 40), seed=5)
    z = zarr.array(image, chunks=(13, 9))
    np.testing.assert_array_equal(gray_model.denoise(z), gray_model.denoise(image))


def test_non_contiguous_views_match_contiguous_copies(gray_model):
    base = noisy((40, 64), seed=6)
    view = base[::-1, ::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(gray_model.denoise(view),
                                  gray_model.denoise(np.ascontiguousarray(view)))


def test_rgba_denoises_colours_jointly_and_passes_alpha_through(rgb_model):
    rng = np.random.default_rng(7)
    rgba = noisy((32, 32, 4), seed=8)
    rgba[..., 3] = rng.random((32, 32)) > 0.5
    before = digest(rgba)
    out = rgb_model.denoise(rgba)
    assert out.shape == rgba.shape
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(out[..., :3], rgb_model.denoise(rgba[..., :3]))
    assert digest(rgba) == before
    lazy = rgb_model.denoise(zarr.array(rgba, chunks=(16, 16, 4)))
    np.testing.assert_array_equal(lazy, out)


def test_training_on_rgba_learns_a_three_channel_model():
    rgba = noisy((40, 40, 4), seed=9)
    assert quick_train(rgba).config.network.in_channels == 3
    assert quick_train(rgba, channel_mode="joint").config.network.in_channels == 4


@pytest.mark.parametrize(("shape", "axes", "words"), [
    ((32, 32, 3), None, r"model takes 1 joint channel\(s\) but the image .* gives 3; use a "
                        r"model trained on images with the same channels"),
    ((2, 32, 32), "CYX", r"trained on 1 independent channel\(s\) but the image .* has 2; "
                         r"use a model trained on the same channels, or, where its C axis "
                         r"holds the planes of a stack .* give the axes: axes=.ZYX. "),
])
def test_channel_count_mismatch_with_the_model(gray_model, shape, axes, words):
    with pytest.raises(InputError, match=words):
        gray_model.denoise(noisy(shape), axes)


def test_gray_image_on_an_rgb_model(rgb_model):
    with pytest.raises(InputError, match=r"model takes 3 joint channel\(s\).*gives 1"):
        rgb_model.denoise(noisy((32, 32)))


def test_output_of_another_shape_is_refused(gray_model):
    out = np.zeros((16, 17), np.float32)
    with pytest.raises(InputError, match=r"output shape \(16, 17\) differs from the image shape"):
        list(gray_model.iter_denoise(noisy((16, 16)), out))
    assert not out.any()


@pytest.mark.parametrize("where", ["same", "view"])
def test_denoising_into_the_input_itself_is_refused(gray_model, where):
    """Regression: iter_denoise(img, img) overwrote the noisy original."""
    image = noisy((2, 16, 16))
    out = image if where == "same" else image[::-1]
    before = digest(image)
    with pytest.raises(OutputError, match=r"overlaps\) the input image.*separate output array"):
        list(gray_model.iter_denoise(image, out, "ZYX"))
    assert digest(image) == before


def test_training_images_with_different_channels_are_refused():
    with pytest.raises(InputError, match=r"all training images need the same channels.*one model "
                                         r"per channel layout"):
        quick_train([noisy((32, 32)), noisy((32, 32, 3))])
    with pytest.raises(InputError, match=r"no image given"):
        quick_train([])


def test_dask_arrays_of_unknown_size_ask_for_chunk_sizes(gray_model):
    lazy = da.from_array(noisy((48, 48)), chunks=16)
    lazy = lazy[lazy[:, 0] > -10]  # boolean indexing: the row count is unknown (NaN)
    with pytest.raises(InputError, match=r"unknown sizes.*compute_chunk_sizes\(\)"):
        quick_train(lazy)
    with pytest.raises(InputError, match=r"unknown sizes.*compute_chunk_sizes\(\)"):
        gray_model.denoise(lazy)


def test_rgba_lazy_and_file_outputs_keep_alpha(rgb_model, tmp_path):
    rgba = noisy((32, 32, 4), seed=10)
    rgba[..., 3] = np.arange(32)[None, :] / 31
    eager = rgb_model.denoise(rgba)
    lazy = rgb_model.denoise(rgba, lazy=True, tile=16)
    assert lazy.shape == rgba.shape
    np.testing.assert_allclose(np.asarray(lazy), eager, atol=2e-5)
    written = rgb_model.denoise(rgba, output=tmp_path / "rgba.zarr")
    np.testing.assert_array_equal(np.asarray(written[...])[..., 3], rgba[..., 3])
    np.testing.assert_allclose(np.asarray(written[...]), eager, atol=2e-5)


def test_read_only_output_array_is_refused_before_any_work(gray_model):
    out = np.zeros((16, 16), np.float32)
    out.flags.writeable = False
    with pytest.raises(OutputError, match=r"output array is read-only.*writable array"):
        list(gray_model.iter_denoise(noisy((16, 16)), out))


def test_read_only_memory_mapped_input_is_fine(gray_model, tmp_path):
    path = tmp_path / "image.npy"
    np.save(path, noisy((32, 32)))
    before = digest(path)
    image = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(gray_model.denoise(image), gray_model.denoise(np.array(image)))
    assert quick_train(image).record.steps == 2
    del image
    assert digest(path) == before


def test_a_zarr_output_opened_read_only_is_refused_before_any_work(gray_model, tmp_path):
    """It gave zarr's raw ValueError from the first tile."""
    import zarr

    zarr.create_array(str(tmp_path / "o.zarr"), shape=(16, 16), dtype="f4")
    out = zarr.open_array(str(tmp_path / "o.zarr"), mode="r")
    with pytest.raises(OutputError, match=r"opened read-only.*mode='r\+'"):
        list(gray_model.iter_denoise(noisy((16, 16)), out))
