"""The streamed tile loop: planes and channels, threads, stopping, OOM retry, casting."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from infer_nets import tiny_net

import napari_sdap.infer.stream as stream
from napari_sdap.axes import plane_view
from napari_sdap.errors import DeviceError, InputError
from napari_sdap.infer.passes import run_mode
from napari_sdap.infer.stream import auto_tile, cast_output, iter_tiles
from napari_sdap.model.normalize import Normalization

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def net():
    return tiny_net(1)


@pytest.fixture(scope="module")
def net3():
    return tiny_net(3)



def _run(net, img, axes, norm, **kw):
    view = plane_view(img.shape, axes)
    out = np.full(img.shape, np.nan, np.float32)
    kw.setdefault("tile", 16)
    steps = list(iter_tiles(net, norm, img, view, out, mode=kw.pop("mode", "sdap_e"),
                            pd_stride=2, device=CPU, **kw))
    return out, steps


def _whole(net, plane, norm_lo, norm_hi, mode="sdap_e"):
    x = torch.from_numpy((plane - norm_lo) / (norm_hi - norm_lo))[None]
    return run_mode(net, x, mode, 2)[0].numpy() * (norm_hi - norm_lo) + norm_lo


def test_independent_channels_use_their_own_normalisation(net):
    img = np.random.default_rng(0).random((2, 2, 40, 36)).astype(np.float32)
    img[:, 1] = img[:, 1] * 100 + 50
    norm = Normalization(low=[0.0, 50.0], high=[1.0, 150.0])
    out, steps = _run(net, img, "ZCYX", norm, batch=3)
    assert steps[-1].done == steps[-1].total == 2 * 2 * 3 * 3  # planes x tiles
    for z in range(2):
        for c, (lo, hi) in enumerate([(0.0, 1.0), (50.0, 150.0)]):
            want = _whole(net, img[z, c][None], lo, hi)[0]
            np.testing.assert_allclose(out[z, c], want, atol=1e-4 * hi)


def test_joint_rgb_channels_last(net3):
    img = np.random.default_rng(1).random((34, 45, 3)).astype(np.float32)
    norm = Normalization(low=[0.0], high=[1.0])
    out, _ = _run(net3, img, "YXC", norm, mode="sdap")
    want = _whole(net3, np.moveaxis(img, -1, 0), 0.0, 1.0, mode="sdap")
    np.testing.assert_allclose(np.moveaxis(out, -1, 0), want, atol=1e-5)


def test_progress_records_and_no_read_threads(net):
    img = np.random.default_rng(2).random((50, 50)).astype(np.float32)
    norm = Normalization(low=[0.0], high=[1.0])
    a, steps = _run(net, img, "YX", norm, read_workers=0)
    b, _ = _run(net, img, "YX", norm, read_workers=3, batch=2)
    np.testing.assert_allclose(a, b, atol=1e-6)  # batching may change float rounding
    assert [s.done for s in steps] == list(range(1, 17))
    assert all(s.total == 16 and s.tile == 16 and s.mpix_per_s > 0 for s in steps)
    assert steps[-1].eta_s == 0 and steps[0].warning is None


def test_stopping_between_tiles_leaves_rest_unwritten(net):
    img = np.random.default_rng(3).random((64, 64)).astype(np.float32)
    out = np.full(img.shape, np.nan, np.float32)
    gen = iter_tiles(net, Normalization(low=[0.0], high=[1.0]), img, plane_view(img.shape, "YX"),
                     out, mode="bsn", pd_stride=2, device=CPU, tile=16)
    first = next(gen)
    gen.close()  # stop: no more tiles are read or computed
    assert first.done == 1
    assert np.isfinite(out).sum() == 16 * 16


def test_out_of_memory_halves_the_tile_and_stays_exact(net, monkeypatch, caplog):
    img = np.random.default_rng(4).random((61, 50)).astype(np.float32)
    norm = Normalization(low=[0.0], high=[1.0])
    want, _ = _run(net, img, "YX", norm, tile=16)
    real = stream.Engine.run

    def small_memory(self, x, groups=None):
        if x.shape[-1] * x.shape[-2] > 48 * 48:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, x, groups)

    monkeypatch.setattr(stream.Engine, "run", small_memory)
    got, steps = _run(net, img, "YX", norm, tile=32, batch=2)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert steps[-1].tile == 16 and "tile halved to 16" in steps[-1].warning
    assert steps[-1].done == steps[-1].total
    assert "ran out of memory" in caplog.text
    def no_memory(self, x, groups=None):
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(stream.Engine, "run", no_memory)
    with pytest.raises(DeviceError, match="even with"):
        _run(net, img, "YX", norm, tile=32)


def test_nan_in_a_tile_is_reported_with_its_place(net):
    img = np.zeros((40, 40), np.float32)
    img[30, 35] = np.nan
    with pytest.raises(InputError, match=r"plane 0 of the image near y=\d+, x=\d+ contains 1 NaN"):
        _run(net, img, "YX", Normalization(low=[0.0], high=[1.0]))


def test_cast_output_rounds_and_clips():
    y = np.array([-3.2, 0.5, 1.5, 2.49, 70000.0], np.float32)
    np.testing.assert_array_equal(cast_output(y, np.uint16), [0, 0, 2, 2, 65535])
    np.testing.assert_array_equal(cast_output(y, np.int8), [-3, 0, 2, 2, 127])
    assert cast_output(y, np.float64).dtype == np.float64


def test_cast_output_clips_float16_to_its_finite_range():
    y = np.array([-1e5, 1.5, 65519.0, 70000.0, 3e38], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in cast" is gone too
        out = cast_output(y, np.float16)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, [-65504, 1.5, 65504, 65504, 65504])  # never inf


def test_cast_output_of_a_wide_result_keeps_every_count():
    y = np.array([4_000_000_003.4, 4_000_000_004.6, 2.0**40 + 1], np.float64)  # (`exact_float`)
    np.testing.assert_array_equal(cast_output(y[:2], np.uint32), [4_000_000_003, 4_000_000_005])
    assert int(cast_output(y[2:], np.int64)[0]) == 2**40 + 1


def test_auto_tile_on_cpu_and_mps_is_fixed():
    assert auto_tile(CPU, 128, 87, 4) == stream.CPU_TILE == 256  # near the caches
    assert auto_tile(torch.device("mps"), 128, 87, 4) == stream.MPS_TILE == 512
