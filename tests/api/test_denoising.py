"""SDAPModel.denoise / iter_denoise: any input kind, any output kind, never loading it whole."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import tifffile
import torch
import zarr
from api_helpers import untrained_tiny

from napari_sdap.errors import InputError, OutputError
from napari_sdap.infer.passes import run_mode
from napari_sdap.io.outputs import open_output
from napari_sdap.io.readers import open_image


@pytest.fixture(scope="module")
def model():
    return untrained_tiny()


@pytest.fixture(scope="module")
def image():
    return (np.random.default_rng(0).random((2, 45, 38)) * 1000 + 100).astype(np.float32)


def _whole(model, image, mode="sdap_e"):
    x = torch.from_numpy((image[:, None] - 100.0) / 1000.0)
    return run_mode(model.network, x, mode, 2)[:, 0].numpy() * 1000.0 + 100.0


class CountingArray:
    """Array-like that records every region read (to prove nothing reads the whole image)."""

    def __init__(self, data):
        self.data, self.shape, self.dtype, self.ndim = data, data.shape, data.dtype, data.ndim
        self.reads: list[int] = []

    def __getitem__(self, key):
        block = self.data[key]
        self.reads.append(block.size)
        return block


def test_numpy_result_equals_whole_plane_in_every_mode(model, image):
    for mode in ("sdap", "sdap_e", "bsn"):
        got = model.denoise(image, "ZYX", mode=mode, device="cpu")
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, _whole(model, image, mode), atol=1e-5 * 1000)


@pytest.mark.parametrize("chunks", [(1, 45, 1), (1, 7, 38), ((1, 1), (20, 5, 20), (3, 35))])
def test_dask_any_chunking_and_lazy_result(model, image, chunks):
    want = _whole(model, image)
    counting = CountingArray(image)
    dimg = da.from_array(counting, chunks=chunks, asarray=False)
    np.testing.assert_allclose(model.denoise(dimg, "ZYX", tile=16), want, atol=1e-2)
    lazy = model.denoise(dimg, "ZYX", lazy=True, tile=16)
    assert isinstance(lazy, da.Array) and lazy.chunks[1] == (16, 16, 13)
    np.testing.assert_allclose(lazy[1, 20:30].compute(), want[1, 20:30], atol=1e-2)
    np.testing.assert_allclose(lazy.compute(), want, atol=1e-2)
    assert max(counting.reads) < image[0].size  # never more than one chunk at a time


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_in_zarr_out_reads_only_windows(model, image, tmp_path, fmt):
    src = zarr.create_array(str(tmp_path / "in.zarr"), shape=image.shape, dtype="f4",
                            chunks=(1, 16, 16), zarr_format=fmt)
    src[...] = image
    out = model.denoise(src, "ZYX", output=tmp_path / "out.zarr")
    assert isinstance(out, zarr.Array)
    record = out.attrs["napari_sdap"]["metadata"]
    assert record["mode"] == "sdap_e" and record["config"]["network"]["width"] == 8
    np.testing.assert_allclose(out[...], _whole(model, image), atol=1e-2)
    with pytest.raises(OutputError, match="input"):  # the same store as output
        model.denoise(tmp_path / "in.zarr", "ZYX", output=tmp_path / "in.zarr", overwrite=True)
    with pytest.raises(OutputError, match="input"):
        model.denoise(src, "ZYX", output=src)


def test_large_lazy_input_is_streamed_not_materialised(model, tmp_path):
    rng = np.random.default_rng(5)
    data = (rng.random((1, 300, 260)) * 1000 + 100).astype(np.float32)
    counting = CountingArray(data)
    out = model.denoise(da.from_array(counting, chunks=(1, 64, 64), asarray=False), "ZYX",
                        output=tmp_path / "big.ome.zarr", tile=64)
    assert max(counting.reads) <= 64 * 64 and sum(counting.reads) >= data.size
    np.testing.assert_allclose(out[...], _whole(model, data), atol=1e-2)


def test_tiff_path_in_tiff_out_keeps_scale_and_refuses_existing(model, image, tmp_path):
    tifffile.imwrite(tmp_path / "in.tif", image, imagej=True, resolution=(4.0, 4.0),
                     metadata={"axes": "ZYX", "spacing": 2.0, "unit": "micron"})
    out = model.denoise(tmp_path / "in.tif", output=tmp_path / "out.tif")
    np.testing.assert_allclose(np.asarray(out[...]), _whole(model, image), atol=1e-2)
    with open_image(tmp_path / "out.tif") as res:
        assert res.axes == "ZYX" and res.scale == pytest.approx({"X": 0.25, "Y": 0.25, "Z": 2.0})
    with pytest.raises(OutputError, match="already exists"):
        model.denoise(tmp_path / "in.tif", output=tmp_path / "out.tif")
    with pytest.raises(OutputError, match="input"):
        model.denoise(tmp_path / "in.tif", output=tmp_path / "in.tif", overwrite=True)
    model.denoise(tmp_path / "in.tif", output=tmp_path / "out.tif", overwrite=True,
                  dtype="input")


def test_stopping_leaves_no_output(model, image, tmp_path):
    with pytest.raises(GeneratorExit):
        with open_output(tmp_path / "stop.zarr", image.shape, axes="ZYX") as sink:
            for step in model.iter_denoise(image, sink.array, "ZYX"):
                if step.done == 2:
                    raise GeneratorExit  # what a stopped widget/CLI generator sees
    assert list(tmp_path.iterdir()) == []


def test_iter_denoise_to_commits_only_when_complete(model, image, tmp_path):
    gen = model.iter_denoise_to(image, tmp_path / "s.ome.zarr", "ZYX")
    for step in gen:
        if step.done == 3:
            break  # the Stop button
    gen.close()
    assert list(tmp_path.iterdir()) == []
    gen = model.iter_denoise_to(image, tmp_path / "s.tif", "ZYX", dtype="float64")
    steps = []
    while True:
        try:
            steps.append(next(gen))
        except StopIteration as stop:
            path = stop.value
            break
    assert path == tmp_path / "s.tif" and steps[-1].done == steps[-1].total
    assert tifffile.imread(path).dtype == np.float64
    assert [p.name for p in tmp_path.iterdir()] == ["s.tif"]


def test_dtype_input_rounds_and_clips(model, image):
    ints = image.astype(np.uint16)
    got = model.denoise(ints, "ZYX", dtype="input")
    assert got.dtype == np.uint16
    ref = model.denoise(ints, "ZYX")
    np.testing.assert_array_equal(got, np.clip(np.rint(ref), 0, 65535).astype(np.uint16))
    assert model.denoise(ints[0], dtype="float64").dtype == np.float64
    with pytest.raises(InputError, match="dtype"):
        model.denoise(ints, "ZYX", dtype="banana")
    with pytest.raises(InputError, match="lazy"):
        model.denoise(ints, "ZYX", lazy=True, output="x.zarr")


def test_iter_denoise_positional_contract_and_shape_check(model, image):
    out = np.zeros_like(image)
    steps = list(model.iter_denoise(image, out, "ZYX"))
    assert steps[-1].done == steps[-1].total and steps[-1].tile == 16
    with pytest.raises(InputError, match="output shape"):
        next(model.iter_denoise(image, np.zeros((2, 3, 3)), "ZYX"))


def test_npy_path_input(model, image, tmp_path):
    np.save(tmp_path / "in.npy", image)
    got = model.denoise(tmp_path / "in.npy", "ZYX")
    np.testing.assert_allclose(got, _whole(model, image), atol=1e-2)
