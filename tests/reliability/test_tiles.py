"""Tiled, streamed inference: stop mid-tiles, out-of-memory retry, tiled == whole, dtypes."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
import tifffile
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_sdap.errors import DeviceError, InputError, OutputError

from .helpers import digest, folder_state, noisy


def running(model):
    """The network mode auto runs (the student when the model has one)."""
    return model.net(model.resolve_mode())


def _oom_above(model, pixels: int, calls: list[int]):
    """Make the network raise CUDA's OutOfMemoryError on inputs larger than `pixels`."""
    real = running(model).forward

    def forward(x):
        calls.append(x.shape[-2] * x.shape[-1])
        if x.shape[-2] * x.shape[-1] > pixels:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real(x)

    return forward


def test_out_of_memory_halves_the_tile_and_gives_the_same_result(gray_model, monkeypatch):
    image = noisy((2, 160, 160))
    expected = gray_model.denoise(image, "ZYX", tile=128)
    calls: list[int] = []
    limit = 120 * 120  # a 128-pixel tile (plus halo) "does not fit", a 64-pixel one does
    monkeypatch.setattr(running(gray_model), "forward", _oom_above(gray_model, limit, calls))
    out = np.full(image.shape, np.nan, np.float32)
    steps = list(gray_model.iter_denoise(image, out, "ZYX", tile=128))
    assert max(calls) > limit  # the first, large tiles really failed
    assert steps[-1].done == steps[-1].total
    assert "ran out of memory; tile halved" in (steps[-1].warning or "")
    assert steps[-1].tile < 128
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_out_of_memory_even_with_the_smallest_tile_is_a_device_error(gray_model, monkeypatch):
    monkeypatch.setattr(running(gray_model), "forward", _oom_above(gray_model, 0, []))
    with pytest.raises(DeviceError, match=r"ran out of memory even with \d+-pixel tiles; use a "
                                          r"smaller model"):
        gray_model.denoise(noisy((64, 64)), tile=64)


@settings(max_examples=15, deadline=None)
@given(h=st.integers(8, 70), w=st.integers(8, 70), tile=st.integers(16, 48),
       mode=st.sampled_from(["sdap", "sdap_e", "bsn"]), planes=st.integers(1, 2))
def test_tiled_equals_whole_image(gray_model, h, w, tile, mode, planes):
    image = np.random.default_rng(h * 100 + w).random((planes, h, w)).astype(np.float32)
    whole = gray_model.denoise(image, "ZYX", mode=mode, tile=4096)
    tiled = gray_model.denoise(image, "ZYX", mode=mode, tile=tile)
    assert tiled.shape == image.shape
    np.testing.assert_allclose(tiled, whole, atol=2e-5)


def test_stopping_between_tiles_leaves_unfinished_tiles_untouched(gray_model):
    image = noisy((64, 64))
    out = np.full(image.shape, np.nan, np.float32)
    before = set(threading.enumerate())
    run = gray_model.iter_denoise(image, out, tile=16)
    first = next(run)
    run.close()
    snapshot = out.copy()
    time.sleep(0.2)
    np.testing.assert_array_equal(out, snapshot)  # no reader/writer thread writes after close
    assert first.done < first.total
    assert np.isfinite(out).sum() >= 16 * 16  # the finished tile is there
    assert np.isnan(out).sum() >= 16 * 16  # unfinished tiles were never written
    assert not [t for t in set(threading.enumerate()) - before
                if t.name.startswith(("sdap-read", "sdap-write"))]


@pytest.mark.parametrize("name", ["out.tif", "out.zarr", "out.ome.zarr"])
def test_ctrl_c_during_tiled_denoise_to_a_file_leaves_nothing(gray_model, tmp_path, name,
                                                              monkeypatch):
    real = running(gray_model).forward
    calls = {"n": 0}

    def interrupt(x):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(x)

    monkeypatch.setattr(running(gray_model), "forward", interrupt)
    before = folder_state(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        gray_model.denoise(noisy((2, 64, 64)), "ZYX", tile=16, output=tmp_path / name)
    assert folder_state(tmp_path) == before


def _corrupted_zlib_tiff(path):
    logging.getLogger("tifffile").setLevel(logging.CRITICAL)
    tifffile.imwrite(path, noisy((3, 64, 64)), compression="zlib", metadata={"axes": "ZYX"})
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 64] = b"\x00" * 64
    path.write_bytes(bytes(raw))
    return path


def test_corrupted_compressed_tiff_is_an_input_error_when_read(gray_model, tmp_path):
    path = _corrupted_zlib_tiff(tmp_path / "z.tif")
    with pytest.raises(InputError, match=r"could not read plane \d of the image .*truncated or "
                                         r"corrupted"):
        gray_model.denoise(path, output=tmp_path / "out.tif")
    assert not (tmp_path / "out.tif").exists()


def test_training_on_a_corrupted_compressed_tiff_is_an_input_error(tmp_path):
    from napari_sdap.io.readers import open_image

    from .helpers import quick_train

    with open_image(_corrupted_zlib_tiff(tmp_path / "z.tif")) as src:
        with pytest.raises(InputError, match=r"could not read plane \d .*(zlib|error|Error).*"
                                             r"truncated or corrupted"):
            quick_train(src.array, src.axes)


def test_denoise_from_a_path_onto_the_same_path_is_refused(gray_model, tmp_path):
    path = tmp_path / "in.tif"
    tifffile.imwrite(path, noisy((32, 32)))
    before = digest(path)
    with pytest.raises(OutputError, match=r"is the input image .*never overwrite the input"):
        gray_model.denoise(path, output=path, overwrite=True)
    assert digest(path) == before


def test_integer_output_dtype_is_rounded_and_clipped(counts_model):
    image = (noisy((32, 32)) * 250).astype(np.uint8)
    as_float = counts_model.denoise(image)
    as_input = counts_model.denoise(image, dtype="input")
    assert as_input.dtype == np.uint8
    np.testing.assert_array_equal(as_input, np.clip(np.rint(as_float), 0, 255).astype(np.uint8))


def test_lazy_result_equals_eager_and_lazy_with_output_is_refused(gray_model, tmp_path):
    image = noisy((2, 40, 40))
    lazy = gray_model.denoise(image, "ZYX", lazy=True, tile=16)
    np.testing.assert_allclose(np.asarray(lazy), gray_model.denoise(image, "ZYX"), atol=2e-5)
    with pytest.raises(InputError, match=r"lazy=True .*cannot also write output="):
        gray_model.denoise(image, "ZYX", lazy=True, output=tmp_path / "o.zarr")


def test_tile_below_the_minimum_is_refused(gray_model):
    with pytest.raises(InputError, match=r"tile must be at least 16 pixels \(got 8\)"):
        gray_model.denoise(noisy((32, 32)), tile=8)
    with pytest.raises(InputError, match=r"tile must be at least 16 pixels \(got 0\)"):
        gray_model.denoise(noisy((32, 32)), tile=0)  # (it was taken for automatic)
