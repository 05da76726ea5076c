"""Tiled 3-D inference: tiles with a Y/X halo and mirrored Z context equal whole planes."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
import zarr
from infer_nets import he_init

import napari_sdap.infer.stream as stream
from napari_sdap.api import create_model
from napari_sdap.axes import plane_view
from napari_sdap.infer.passes import run_mode
from napari_sdap.model.network3d import ContextMaskedConv, VolumeBlindSpotNet
from napari_sdap.model.normalize import Normalization
from napari_sdap.model.volume import mirror, volume_view

CPU = torch.device("cpu")
NORM = Normalization(low=[0.0], high=[1.0])


def _net(context: int = 1) -> VolumeBlindSpotNet:
    net = he_init(VolumeBlindSpotNet(1, width=8, blocks=1, context=context))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, ContextMaskedConv):
                m.weight.mul_(m.mask)
    return net


def _whole(net, img, mode, s, step=1):
    """Each plane at once, its neighbours stacked by hand (mirrored at the ends)."""
    c, depth = net.context, img.shape[0]
    out = np.empty_like(img)
    for z in range(depth):
        planes = [img[mirror(z + i * step, depth)] for i in range(-c, c + 1)]
        x = torch.from_numpy(np.stack(planes))[None]
        out[z] = run_mode(net, x, mode, s)[0, 0].numpy()
    return out


@pytest.mark.parametrize(("mode", "context", "step"), [("bsn", 1, 1), ("sdap", 1, 1),
                                                        ("sdap", 2, 2), ("bsn", 2, 1)])
def test_tiled_equals_whole_planes(mode, context, step):
    net = _net(context)
    img = np.random.default_rng(0).random((9, 45, 38), dtype=np.float32)
    view = volume_view(plane_view(img.shape, "ZYX"), "Z", context, step)
    out = np.full(img.shape, np.nan, np.float32)
    list(stream.iter_tiles(net, NORM, img, view, out, mode=mode, pd_stride=2, device=CPU,
                           tile=16, batch=3, read_workers=2))
    np.testing.assert_allclose(out, _whole(net, img, mode, 2, step), atol=1e-5, rtol=0)


def _model(width: int = 8):
    model = create_model("tiny", width=width, blocks=1, dims=3, stride=2)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    return model


def test_zarr_to_zarr_streams_like_numpy(tmp_path):
    model = _model()
    img = np.random.default_rng(1).random((6, 40, 40), dtype=np.float32)
    src = zarr.create_array(str(tmp_path / "in.zarr"), shape=img.shape, dtype="f4",
                            chunks=(1, 16, 16))
    src[:] = img
    out = model.denoise(tmp_path / "in.zarr", "ZYX", output=tmp_path / "out.zarr", tile=16)
    assert isinstance(out, zarr.Array)
    np.testing.assert_allclose(out[:], model.denoise(img, "ZYX"), atol=1e-5, rtol=0)
    np.testing.assert_array_equal(src[:], img)  # the input is never modified


def _peak(model, tmp_path, depth: int, run: str = "") -> int:
    shape = (depth, 128, 128)
    src = zarr.create_array(str(tmp_path / f"in{depth}{run}.zarr"), shape=shape, dtype="f4",
                            chunks=(1, 64, 64))
    rng = np.random.default_rng(depth)
    for z in range(depth):
        src[z] = rng.random(shape[1:], dtype=np.float32)
    tracemalloc.start()
    try:
        model.denoise(src, "ZYX", output=tmp_path / f"out{depth}{run}.zarr", tile=32)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_on_a_stack_eight_times_larger(tmp_path):
    model = _model()
    _peak(model, tmp_path, 32, "warm")  # one-time set-up (lazy imports, caches) is not counted:
    # which of it happens here depends on the tests run before in the same process
    small, large = _peak(model, tmp_path, 4), _peak(model, tmp_path, 32)
    # holding the output (or input) of the larger stack whole would add 28 x 128 x 128 x 4
    # bytes = 1.75 MiB to the peak of traced (numpy and Python) memory; zarr's asynchronous
    # chunk writes add up to ~0.4 MiB more or less from run to run, depending on how many are
    # in flight at once
    assert large < small * 1.25 + 512 * 1024, (small, large)
