"""raw_tiles: windows in their stored dtype, normalised on the device, equal the host path."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from infer_nets import tiny_net

from napari_sdap.axes import exact_float, plane_view
from napari_sdap.errors import InputError
from napari_sdap.infer.raw_tiles import denoise_batch, raw_batch, read_raw
from napari_sdap.infer.stream import Engine, read_window
from napari_sdap.infer.tiling import plan_tiles
from napari_sdap.model.normalize import Normalization

CPU = torch.device("cpu")


def _image(dtype, rng):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return (rng.standard_normal((2, 40, 33)) * 300 + 900).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, (2, 40, 33), endpoint=True).astype(dt)


def _host(engine, norm, img, view, t):
    """The host path this replaced: float32 window, float64 normalising, whole-window output."""
    y = engine(engine.prepare([read_window(img, view, norm, t)]), [view.channel_group(t.plane)])
    iy, ix = t.inner
    return norm.inverse(y[0][:, iy, ix], view.channel_group(t.plane))


@pytest.mark.parametrize("dtype", ["u1", "i1", "u2", "i2", ">u2", "f2", "f4", ">f4", "f8",
                                   "u4", "i4", "i8"])
def test_equals_the_host_path_to_the_bit(dtype):
    rng = np.random.default_rng(3)
    img = _image(dtype, rng)
    view = plane_view(img.shape, "CYX", channel_mode="separate")
    assert view.n_channel_groups == 2
    lo = [float(img[0].min()), float(np.percentile(img[1], 5))]
    norm = Normalization(low=lo, high=[float(img[0].max()), float(np.percentile(img[1], 95))])
    engine = Engine(tiny_net(1), CPU, "sdap_e", 2, compile=False)
    tiles = plan_tiles(view, 16, 6, 2)
    assert len(tiles) > 4
    raw = read_raw(img, view, tiles[0])
    kept = np.dtype(dtype).newbyteorder("=").str[1:] in ("u1", "i1", "u2", "i2", "f2", "f4")
    assert raw.dtype == (np.dtype(dtype).newbyteorder("=") if kept else exact_float(dtype))
    assert (raw.dtype == np.float64) == (dtype in ("f8", "u4", "i4", "i8"))  # float32: 24 bits
    for t in tiles:
        batch = raw_batch([read_raw(img, view, t)], [view.channel_group(t.plane)], pin=False)
        got = denoise_batch(engine, batch, norm, [t])[0]
        want = _host(engine, norm, img, view, t)
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_a_batch_of_windows_of_two_groups():
    rng = np.random.default_rng(4)
    img = _image("u2", rng)
    view = plane_view(img.shape, "CYX", channel_mode="separate")
    norm = Normalization(low=[100.0, 30000.0], high=[60000.0, 65535.0])
    engine = Engine(tiny_net(1), CPU, "sdap_e", 2, compile=False)
    planned = plan_tiles(view, 16, 6, 2)
    tiles = [next(t for t in planned if t.plane == p) for p in (0, 1)]
    assert tiles[0].wy == tiles[1].wy and tiles[0].wx == tiles[1].wx
    groups = [view.channel_group(t.plane) for t in tiles]
    batch = raw_batch([read_raw(img, view, t) for t in tiles], groups, pin=False)
    assert batch.unsigned16 and batch.x.dtype == torch.int16
    host = engine(engine.prepare([read_window(img, view, norm, t) for t in tiles]), groups)
    for k, (got, t) in enumerate(zip(denoise_batch(engine, batch, norm, tiles), tiles,
                                     strict=True)):
        iy, ix = t.inner
        np.testing.assert_array_equal(got, norm.inverse(host[k][:, iy, ix], groups[k]))


@pytest.mark.parametrize("dtype", ["f2", "f4"])
def test_nan_or_inf_is_named_with_its_window(dtype):
    img = np.zeros((1, 40, 40), dtype)
    img[0, 30, 35] = np.inf
    view = plane_view(img.shape, "CYX", channel_mode="separate")
    engine = Engine(tiny_net(1), CPU, "sdap_e", 2, compile=False)
    tiles = plan_tiles(view, 16, 6, 2)
    bad = [t for t in tiles if t.wy.start <= 30 < t.wy.stop and t.wx.start <= 35 < t.wx.stop]
    batch = raw_batch([read_raw(img, view, t) for t in bad], [0] * len(bad), pin=False)
    t = bad[0]
    with pytest.raises(InputError, match=f"plane 0 of the image near y={t.ys.start}, "
                                         f"x={t.xs.start} contains 1 NaN or infinite"):
        denoise_batch(engine, batch, Normalization(low=[0.0], high=[1.0]), bad)
