"""Inputs a lab has on disk or in memory: planar RGB TIFFs, palette and 1-bit PNGs, tensors."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from api_helpers import (
    TINY,
    gray_model_fixture,  # noqa: F401 (fixture)
)

from napari_sdap.api import train
from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image


def _rgb() -> np.ndarray:
    yy, xx = np.mgrid[:48, :48]
    rgb = np.stack([np.sin(xx / 5) * 50 + 100, np.cos(yy / 7) * 50 + 100, (xx + yy) / 2 + 50], -1)
    return np.clip(rgb + np.random.default_rng(0).normal(0, 15, rgb.shape), 0, 255
                   ).astype(np.uint8)


def test_a_colour_model_takes_its_picture_stored_planar(tmp_path):
    """A planar RGB TIFF reads as CYX; a colour model refused it ("takes 3 joint channels but
    the image gives 1"). It now takes a C axis of its size anywhere. Training on the planar
    file keeps its channels apart: tifffile stored every 3-channel stack as planar RGB by
    default, so the tag does not make it a colour picture."""
    rgb = _rgb()
    tifffile.imwrite(tmp_path / "contig.tif", rgb, photometric="rgb")
    tifffile.imwrite(tmp_path / "planar.tif", rgb.transpose(2, 0, 1), photometric="rgb",
                     planarconfig="separate")
    model = train(tmp_path / "contig.tif", steps=2, stride=1, student=False, **TINY)
    planar = model.denoise(tmp_path / "planar.tif")
    assert planar.shape == (3, 48, 48)  # the file's own layout
    np.testing.assert_array_equal(planar.transpose(1, 2, 0), model.denoise(rgb))
    apart = train(tmp_path / "planar.tif", steps=2, stride=1, student=False, **TINY)
    assert apart.config.network.in_channels == 1
    with pytest.raises(InputError, match=r"takes 3 joint channel\(s\) but the image \(CYX, "
                                         r"shape \(4, 48, 48\)\) has 4 channels, each"):
        model.denoise(np.concatenate([rgb.transpose(2, 0, 1), rgb[None, ..., 0]]), "CYX")


def test_a_grey_palette_png_is_grey_and_a_1_bit_png_is_refused(tmp_path):
    from PIL import Image

    grey = _rgb()[..., 0]
    Image.fromarray(grey).convert("P").save(tmp_path / "p.png")
    with open_image(tmp_path / "p.png") as src:
        assert src.axes == "YX"
        expected = np.asarray(Image.open(tmp_path / "p.png").convert("L"))
        np.testing.assert_array_equal(np.asarray(src.array), expected)
    Image.fromarray(_rgb()).convert("P").save(tmp_path / "c.png")  # a colour palette stays RGB
    with open_image(tmp_path / "c.png") as src:
        assert src.axes == "YXC"
    Image.fromarray(grey > 100).save(tmp_path / "mask.png")
    with pytest.raises(InputError, match=r"mask.png: a 1-bit .*mask or a segmentation"):
        open_image(tmp_path / "mask.png")
    two = Image.frombytes("P", grey.shape[::-1], (grey > 100).astype(np.uint8).tobytes())
    two.putpalette([0, 0, 0, 255, 255, 255])
    two.save(tmp_path / "pmask.png", bits=1)  # a 1-bit palette of black and white
    with pytest.raises(InputError, match=r"pmask.png: a 1-bit"):
        open_image(tmp_path / "pmask.png")


def test_a_torch_tensor_is_taken_as_its_values(gray_model, noisy_pair):
    """A tensor ended in numpy's `Cannot interpret 'torch.float32' as a data type`."""
    import torch

    _, noisy = noisy_pair
    expected = gray_model.denoise(noisy)
    np.testing.assert_array_equal(gray_model.denoise(torch.from_numpy(noisy)), expected)
    half = torch.from_numpy(noisy).to(torch.bfloat16)
    assert gray_model.denoise(half).shape == noisy.shape


def test_named_dimensions_give_the_axes(tmp_path, gray_model, noisy_pair):
    """zarr `dimension_names` (and xarray's `_ARRAY_DIMENSIONS`, and a DataArray's `dims`)
    were ignored: `['t', 'y', 'x']` read as ZYX, `['y', 'x', 'z']` as an RGB YXC."""
    import zarr

    _, noisy = noisy_pair
    stack = np.stack([noisy, noisy[::-1], noisy[:, ::-1]])
    zarr.create_array(tmp_path / "t.zarr", data=stack, dimension_names=["t", "y", "x"])
    with open_image(tmp_path / "t.zarr") as src:
        assert src.axes == "TYX"
    last = np.moveaxis(stack, 0, -1).copy()
    zarr.create_array(tmp_path / "z.zarr", data=last, dimension_names=["y", "x", "z"])
    with open_image(tmp_path / "z.zarr") as src:
        assert src.axes == "YXZ"
    np.testing.assert_allclose(gray_model.denoise(tmp_path / "z.zarr"),
                               np.moveaxis(gray_model.denoise(stack, axes="ZYX"), 0, -1),
                               atol=1e-5)
    v2 = zarr.create_array(tmp_path / "v2.zarr", data=stack, zarr_format=2)
    v2.attrs["_ARRAY_DIMENSIONS"] = ["time", "y", "x"]
    with open_image(tmp_path / "v2.zarr") as src:
        assert src.axes == "TYX"
    xarray = pytest.importorskip("xarray")
    named = xarray.DataArray(last, dims=("y", "x", "z"))
    np.testing.assert_allclose(gray_model.denoise(named), gray_model.denoise(last, axes="YXZ"),
                               atol=1e-6)


def test_tensors_that_cannot_be_read_and_tensor_outputs(gray_model, noisy_pair, tmp_path):
    import torch

    from napari_sdap.api.writing import save_result

    _, noisy = noisy_pair
    sparse = torch.from_numpy(noisy).to_sparse()
    np.testing.assert_array_equal(gray_model.denoise(sparse), gray_model.denoise(noisy))
    with pytest.raises(InputError, match="the torch tensor's values cannot be read"):
        gray_model.denoise(torch.empty(64, 64, device="meta"))
    out = torch.zeros(noisy.shape)  # written in place, as a numpy array would be
    gray_model.denoise(noisy, output=out)
    np.testing.assert_allclose(out.numpy(), gray_model.denoise(noisy), atol=1e-6)
    saved = save_result(torch.from_numpy(noisy), tmp_path / "t.tif", axes="YX")
    np.testing.assert_array_equal(tifffile.imread(saved), noisy)


@pytest.mark.parametrize("fmt", [2, 3])
def test_a_level_of_an_ome_zarr_takes_the_group_s_axes_and_sizes(tmp_path, fmt):
    """`image.ome.zarr/0` opened on its own read a CYX level as ZYX and dropped its size."""
    import zarr

    group = zarr.open_group(tmp_path / "f.ome.zarr", mode="w", zarr_format=fmt)
    group.create_array("0", data=np.zeros((2, 16, 16), "u2"))
    group.create_array("1", data=np.zeros((2, 8, 8), "u2"))
    axes = [{"name": "c", "type": "channel"},
            {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"}]
    levels = [{"path": str(k), "coordinateTransformations": [
        {"type": "scale", "scale": [1, 0.3 * 2**k, 0.3 * 2**k]}]} for k in (0, 1)]
    multiscales = [{"version": "0.4", "axes": axes, "datasets": levels}]
    if fmt == 2:
        group.attrs["multiscales"] = multiscales
    else:
        group.attrs["ome"] = {"version": "0.5", "multiscales": multiscales}
    for level, size in (("0", 0.3), ("1", 0.6)):
        with open_image(tmp_path / "f.ome.zarr" / level) as src:
            assert src.axes == "CYX"
            assert src.scale == pytest.approx({"Y": size, "X": size})
            assert src.units == {"Y": "micrometer", "X": "micrometer"}


def test_a_colour_result_in_ome_zarr_reads_back_as_a_colour_image(tmp_path):
    """A colour result stored in OME-Zarr (channels first) read back as independent channels:
    denoising it again failed ("gives 1")."""
    rgb = _rgb()
    alpha = np.full((*rgb.shape[:2], 1), 255, np.uint8)
    alpha[:8] = 0
    rgba = np.concatenate([rgb, alpha], axis=-1)
    model = train(rgb, steps=2, stride=1, student=False, **TINY)
    model.denoise(rgba, output=tmp_path / "o.ome.zarr")
    with open_image(tmp_path / "o.ome.zarr") as src:
        assert src.axes == "YXC" and src.shape == rgba.shape
    again = model.denoise(tmp_path / "o.ome.zarr")
    assert again.shape == rgba.shape and np.array_equal(again[..., 3], rgba[..., 3])


def test_a_model_of_channels_one_at_a_time_takes_them_stored_last():
    """A model trained on CYX (three channels, each on its own) refused the same picture
    stored YXC: "the model takes 1 joint channel(s) but the image gives 3"."""
    rgb = _rgb()
    model = train(rgb.transpose(2, 0, 1).copy(), axes="CYX", steps=2, stride=1, student=False,
                  **TINY)
    assert model.config.network.in_channels == 1 and len(model.normalization.low) == 3
    np.testing.assert_array_equal(model.denoise(rgb, "YXC"),
                                  model.denoise(rgb.transpose(2, 0, 1), "CYX").transpose(1, 2, 0))


def test_the_quality_check_reads_another_layout_as_denoising_does():
    """Denoising took a colour picture stored planar, the quality check and the bioimage.io
    export refused it ("3 channels, each denoised on its own" for a 3-channel model)."""
    from napari_sdap.api.inputs import prepare_for
    from napari_sdap.api.quality import quality_report

    rgb = _rgb()
    planar = rgb.transpose(2, 0, 1).copy()
    model = train(rgb, steps=2, stride=1, student=False, **TINY)
    quality_report(planar, model.denoise(planar, "CYX"), model=model, axes="CYX")
    with prepare_for(model, planar, "CYX") as image:  # what the export reads its sample with
        assert image.view.joint and image.view.channels == 3
    apart = train(planar, axes="CYX", steps=2, stride=1, student=False, **TINY)
    quality_report(rgb, apart.denoise(rgb, "YXC"), model=apart, axes="YXC")


def test_a_planar_colour_picture_without_axes_is_told_its_axes():
    """A colour model given its picture stored planar (3 x Y x X) without axes reads it as a
    3-plane stack: the refusal suggested other models only, not axes='CYX'."""
    rgb = _rgb()
    model = train(rgb, steps=2, stride=1, student=False, **TINY)
    planar = rgb.transpose(2, 0, 1).copy()
    with pytest.raises(InputError, match=r"\(ZYX, shape \(3, 48, 48\)\) gives 1; .*where its Z "
                                         r"axis holds the 3 channels \(a colour image stored "
                                         r"planar\), give the axes: axes='CYX' \(--axes CYX\)"):
        model.denoise(planar)
    stack = np.stack([planar[0]] * 5)  # 5 planes: no axis holds 3 channels, no such hint
    with pytest.raises(InputError, match=r"gives 1; use a model trained on images with the "
                                         r"same channels$"):
        model.denoise(stack)
