"""A notebook user's edge cases of the Python API (seventh round): outputs, paths, flags."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import torch
from api_helpers import untrained_tiny

from napari_sdap.errors import InputError, OutputError


@pytest.fixture(scope="module")
def model():
    """An untrained tiny network on a fixed intensity scale: fast, deterministic outputs."""
    return untrained_tiny()


@pytest.fixture(scope="module")
def image():
    return (np.random.default_rng(0).random((40, 36)) * 1000 + 100).astype(np.float32)


@pytest.mark.parametrize("dtype", [bool, np.complex64])
def test_output_array_of_no_intensity_dtype_is_refused(model, image, dtype):
    """Regression: a bool output array was filled with True everywhere (complex: silently
    cast), without a word; it is refused like dtype='bool' is."""
    out = np.zeros(image.shape, dtype)
    with pytest.raises(OutputError, match=rf"dtype {np.dtype(dtype)}.*float or integer array"):
        model.denoise(image, output=out)
    with pytest.raises(OutputError, match="float or integer array"):
        list(model.iter_denoise(image, out))
    assert not out.any()


def test_output_tensor_of_bool_is_refused(model, image):
    out = torch.zeros(image.shape, dtype=torch.bool)
    with pytest.raises(OutputError, match=r"has dtype bool"):
        list(model.iter_denoise(image, out))


@pytest.mark.parametrize("dtype", [">u2", ">f4"])
def test_big_endian_input_to_tiff_keeps_its_dtype(model, image, dtype, tmp_path):
    """Regression: dtype='input' of a big-endian array (or dtype='>u2') to a .tif output was
    refused ("a TIFF output cannot hold dtype >u2"), though it is uint16; files store values."""
    big = image.astype(dtype)
    expected = model.denoise(big, dtype="input")
    out = model.denoise(big, output=tmp_path / "r.tif", dtype="input")
    assert np.dtype(out.dtype) == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(np.asarray(out), expected)
    assert tifffile.imread(tmp_path / "r.tif").dtype == np.dtype(dtype).newbyteorder("=")
    out = model.denoise(big, output=tmp_path / "s.tif", dtype=dtype)
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_model_files_take_a_home_folder_path(model, image, tmp_path, monkeypatch):
    """Regression: load_model('~/m.safetensors') said the file does not exist and
    save('~/m.safetensors') that "folder ~ does not exist" (train(model=...) and
    quality_report(model=...) too), while images and outputs expand `~`."""
    from napari_sdap import load_model, train

    monkeypatch.setenv("HOME", str(tmp_path))
    written = model.save("~/m.safetensors")
    assert written == tmp_path / "m.safetensors" and written.is_file()
    loaded = load_model("~/m.safetensors")
    np.testing.assert_array_equal(loaded.denoise(image), model.denoise(image))
    further = train(image, "YX", model="~/m.safetensors", steps=1, student=False)
    assert further.record.steps == 1
    with pytest.raises(OutputError, match="saved to a file path"):
        model.save(None)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"planes": 2.5}, "planes must be a whole number"),
    ({"planes": None}, "planes must be a whole number"),
    ({"window": 16.5}, "window must be a whole number, at least 16"),
    ({"seed": -1}, "seed must be a whole number, 0..4294967295"),
    ({"seed": 1.5}, "seed must be a whole number"),
])
def test_quality_report_arguments_are_checked(model, image, kwargs, words):
    """Regression: planes=2.5, window=None or seed=-1 ended in numpy's or Python's own
    TypeError / ValueError deep in the measurement; they are InputErrors naming the rule."""
    from napari_sdap import quality_report

    with pytest.raises(InputError, match=words):
        quality_report(image, image * 0.5 + 300, **kwargs)


@pytest.mark.parametrize("wrong", [True, 3])
def test_quality_report_model_of_another_kind_is_refused(image, wrong):
    """Regression: model=True raised "'bool' object has no attribute 'config'"."""
    from napari_sdap import quality_report
    from napari_sdap.errors import ConfigError

    with pytest.raises(ConfigError, match="model must be the SDAPModel that denoised"):
        quality_report(image, image * 0.5 + 300, model=wrong)


def test_numpy_integer_series_opens_that_series(tmp_path):
    """Regression: open_image(path, series=np.int64(1)) said "series=np.int64(1) does not
    exist" for a file holding that series."""
    from napari_sdap import open_image

    path = tmp_path / "two.tif"
    first = np.arange(20 * 30, dtype=np.uint16).reshape(20, 30)
    second = np.arange(24 * 28, dtype=np.uint16).reshape(24, 28)
    with tifffile.TiffWriter(path) as tif:
        tif.write(first)
        tif.write(second)
    for n, expected in enumerate((first, second)):
        with open_image(path, series=np.int64(n)) as src:
            np.testing.assert_array_equal(np.asarray(src.array), expected)


@pytest.mark.parametrize("flag", ["no", "False", 0, None])
def test_overwrite_that_is_not_a_bool_never_replaces(model, image, tmp_path, flag):
    """Regression: overwrite="no" counted by its truth value, so save(), denoise(output=) and
    export_bmz() replaced the existing file the user had asked to keep; only True or False
    (numpy's bools too) are taken."""
    from napari_sdap.api.writing import save_result

    saved = model.save(tmp_path / "m.safetensors")
    out = tmp_path / "r.tif"
    tifffile.imwrite(out, np.zeros((4, 4), np.uint8))
    before = {p: p.read_bytes() for p in (saved, out)}
    with pytest.raises(OutputError, match="overwrite must be True or False"):
        model.save(saved, overwrite=flag)
    with pytest.raises(OutputError, match="overwrite must be True or False"):
        model.denoise(image, output=out, overwrite=flag)
    with pytest.raises(OutputError, match="overwrite must be True or False"):
        save_result(image, out, axes="YX", overwrite=flag)
    assert {p: p.read_bytes() for p in before} == before
    assert model.save(saved, overwrite=np.bool_(True)) == saved


def test_lazy_that_is_not_a_bool_is_refused(model, image):
    """Regression: lazy="no" returned a dask array (any object counted by its truth value)."""
    from napari_sdap.errors import ConfigError

    with pytest.raises(ConfigError, match="lazy must be True or False"):
        model.denoise(image, lazy="no")


def test_export_overwrite_that_is_not_a_bool_never_replaces(model, image, tmp_path):
    pytest.importorskip("bioimageio.spec")
    package = tmp_path / "p.zip"
    package.write_bytes(b"kept")
    with pytest.raises(OutputError, match="overwrite must be True or False"):
        model.export_bmz(package, sample=image, overwrite="no")
    assert package.read_bytes() == b"kept"


def test_xarray_input_onto_its_own_memory_is_refused(model, image):
    """Regression: denoise(da, output=da.values) of an xarray DataArray overwrote the input in
    place (its memory was not compared with the output's)."""
    xr = pytest.importorskip("xarray")
    data = xr.DataArray(image.copy(), dims=("y", "x"))
    with pytest.raises(OutputError, match="overlaps\\) the input image"):
        model.denoise(data, output=data.values)
    with pytest.raises(OutputError, match="overlaps\\) the input image"):
        list(model.iter_denoise(data, data.values))
    np.testing.assert_array_equal(data.values, image)


def test_other_channel_of_the_same_array_takes_the_result(model, image):
    """Regression: writing the result into channel 1 of a Y x X x 2 array whose channel 0 is
    the input was refused as "overlaps the input image" (their memory bounds overlap, their
    elements do not)."""
    pair = np.zeros((*image.shape, 2), np.float32)
    pair[..., 0] = image
    model.denoise(pair[..., 0], output=pair[..., 1])
    np.testing.assert_array_equal(pair[..., 0], image)
    np.testing.assert_array_equal(pair[..., 1], model.denoise(image))
    with pytest.raises(OutputError, match="overlaps\\) the input image"):
        model.denoise(pair[..., 0], output=pair[::-1, :, 0])  # the same elements


def test_iter_denoise_into_a_tensor(model, image):
    """Regression: iter_denoise(image, out=tensor) raised numpy's "Cannot interpret
    'torch.float32' as a data type"; the tensor is written through its memory, and a tensor
    holding the input is refused."""
    out = torch.zeros(image.shape)
    list(model.iter_denoise(image, out))
    np.testing.assert_array_equal(out.numpy(), model.denoise(image))
    same = torch.from_numpy(image.copy())
    with pytest.raises(OutputError, match="overlaps\\) the input image"):
        list(model.iter_denoise(same, same))


@pytest.mark.parametrize(("name", "example"), [("Zellen ü", "'Zellen'"), ("Zé", "'Z model'")])
def test_package_name_rule_says_ascii_and_suggests_a_valid_name(name, example):
    """Regression: "Zellen ü" was refused as holding something other than "letters" (it is
    ASCII letters), and "Zé" was told to use 'Z', itself too short for the rule."""
    from napari_sdap.api.bmz.describe import name_of

    with pytest.raises(InputError, match="ASCII letters") as err:
        name_of(name)
    assert f"e.g. {example}" in str(err.value)
    assert name_of(example.strip("'")) == example.strip("'")


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"authors": 5}, "authors=5 must be a list"),
    ({"cite": 5}, "cite=5 must be a list"),
    ({"cite": {"text": "x", "doi": "10.1/x"}}, "not taken by bioimage.io \\(doi"),
    ({"description": 5}, "description must be a text"),
])
def test_export_arguments_are_checked_first(noisy_pair, tmp_path, kwargs, words):
    """Regression: authors=5 or cite=5 raised "'int' object is not iterable", and a DOI or
    description bioimage.io refuses a raw pydantic ValidationError after the package was
    built; each is an InputError before any work."""
    pytest.importorskip("bioimageio.spec")
    from napari_sdap import train

    _, noisy = noisy_pair
    trained = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=1, student=False)
    with pytest.raises(InputError, match=words):
        trained.export_bmz(tmp_path / "p.zip", sample=noisy, **kwargs)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_group_object_names_its_arrays(model, tmp_path, zarr_format):
    """Regression: a zarr Group given as the image was refused as "got Group", without naming
    the arrays it holds (its path names them)."""
    zarr = pytest.importorskip("zarr")
    group = zarr.open_group(tmp_path / "g.zarr", mode="w", zarr_format=zarr_format)
    group.create_array("raw", shape=(32, 32), dtype="f4")
    with pytest.raises(InputError, match=r"zarr group \(holding raw\).*group\['raw'\]"):
        model.denoise(group)


def test_save_result_axes_of_another_length_is_an_axes_error(image, tmp_path):
    """Regression: save_result(image_2d, path, axes='ZYX') raised "zip() argument 2 is longer
    than argument 1"."""
    from napari_sdap.api.writing import save_result
    from napari_sdap.errors import AxesError

    with pytest.raises(AxesError, match=r"axes 'ZYX' has 3 letters but the image has 2 "
                                        r"dimensions.*one letter per dimension"):
        save_result(image, tmp_path / "r.tif", axes="ZYX")
    assert not list(tmp_path.iterdir())


def test_output_inside_a_file_says_it_is_a_file(model, image, tmp_path):
    """Regression: an output path under a file (`a.npy/out.tif`) was refused as "output
    folder a.npy does not exist"."""
    stray = tmp_path / "a.npy"
    stray.write_bytes(b"x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        model.denoise(image, output=stray / "out.tif")
