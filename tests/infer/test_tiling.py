"""Exact tiling: stitched tiles equal whole-plane inference in every mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from infer_nets import tiny_net

import napari_sdap.infer.stream as stream
from napari_sdap.axes import plane_view
from napari_sdap.infer.passes import run_flips, run_mode
from napari_sdap.infer.tiling import axis_windows, balanced_tile, exact_halo, plan_tiles
from napari_sdap.model.network import BlindSpotNet
from napari_sdap.model.normalize import Normalization

CPU = torch.device("cpu")
NORM = Normalization(low=[0.0], high=[1.0])


@pytest.fixture(scope="module")
def net():
    return tiny_net(1)



def _whole(net, img, mode, s):
    return run_mode(net, torch.from_numpy(img)[None, None], mode, s)[0, 0].numpy()


def _tiled(net, img, mode, s, tile, batch=1, workers=2, flips=1):
    out = np.full(img.shape, np.nan, np.float32)
    view = plane_view(img.shape, "YX")
    steps = list(stream.iter_tiles(net, NORM, img, view, out, mode=mode, pd_stride=s,
                                   device=CPU, tile=tile, batch=batch, read_workers=workers,
                                   flips=flips))
    assert steps[-1].done == steps[-1].total
    return out


@pytest.mark.parametrize("mode", ["bsn", "sdap", "sdap_e"])
@pytest.mark.parametrize(("shape", "s", "tile", "batch"), [
    ((61, 77), 2, 16, 1),   # odd sizes, many tiles both ways
    ((45, 50), 2, 24, 3),   # batched tiles, ragged last tile
    ((53, 41), 3, 12, 2),   # stride 3, odd sizes
])
def test_tiled_equals_whole_plane(net, mode, shape, s, tile, batch):
    img = np.random.default_rng(1).random(shape).astype(np.float32)
    whole = _whole(net, img, mode, s)
    assert whole.std() > 1e-3
    tiled = _tiled(net, img, mode, s, tile, batch, workers=0 if batch == 2 else 2)
    np.testing.assert_allclose(tiled, whole, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("mode", "flips"), [("bsn", 8), ("sdap", 4), ("sdap_e", 8),
                                             ("sdap_e", 2)])
@pytest.mark.parametrize(("shape", "s", "tile"), [((61, 77), 2, 16), ((53, 41), 3, 12)])
def test_tiles_averaged_over_flips_equal_the_whole_plane(net, mode, flips, shape, s, tile):
    """Each window is turned on its own; odd sizes end windows off the stride grid."""
    img = np.random.default_rng(3).random(shape).astype(np.float32)
    whole = run_flips(net, torch.from_numpy(img)[None, None], mode, s, flips=flips)[0, 0].numpy()
    assert np.abs(whole - _whole(net, img, mode, s)).max() > 1e-3
    tiled = _tiled(net, img, mode, s, tile, batch=2, flips=flips)
    np.testing.assert_allclose(tiled, whole, atol=1e-5, rtol=0)


def test_turned_windows_need_the_stride_padding(net, monkeypatch):
    """Guards the test above: turning the unpadded plane puts the pixel-shuffle grid of an odd
    plane out of step with the windows' grid."""
    import napari_sdap.infer.passes as passes

    img = np.random.default_rng(3).random((61, 77)).astype(np.float32)
    monkeypatch.setattr(passes, "pad_to_multiple", lambda x, s: (x, tuple(x.shape[-2:])))
    whole = run_flips(net, torch.from_numpy(img)[None, None], "sdap", 2, flips=2)[0, 0].numpy()
    assert np.abs(_tiled(net, img, "sdap", 2, 16, flips=2) - whole).max() > 1e-4


@pytest.mark.parametrize("mode", ["bsn", "sdap", "sdap_e"])
def test_too_small_halo_is_caught(net, mode, monkeypatch):
    """Guards the test above: one stride less context than `exact_halo` gives wrong seams."""
    img = np.random.default_rng(2).random((61, 77)).astype(np.float32)
    s = 1 if mode == "bsn" else 2
    monkeypatch.setattr(stream, "exact_halo", lambda r, m, p, e=0: exact_halo(r, m, p, e) - s)
    diff = np.abs(_tiled(net, img, mode, 2, 16) - _whole(net, img, mode, 2)).max()
    assert diff > 1e-4


def test_halo_per_mode():
    r = BlindSpotNet(1, 1, 8, 9).radius
    assert r == 29
    assert exact_halo(r, "bsn", 2) == 29
    assert exact_halo(r, "sdap", 2) == 58
    assert exact_halo(r, "sdap_e", 2) == 87  # the second pass sees r more than sdap
    assert exact_halo(r, "sdap_e", 3) == 116


@pytest.mark.parametrize(("length", "tile", "halo", "s"),
                         [(77, 16, 10, 2), (61, 12, 15, 3), (10, 16, 5, 2), (100, 20, 7, 1)])
def test_axis_windows_cover_tiles_with_aligned_context(length, tile, halo, s):
    wins = axis_windows(length, tile, halo, s)
    assert wins[0][0] == 0 and wins[-1][1] == length
    sizes = {b - a for _, _, a, b in wins}
    assert len(sizes) <= 2  # at most the full size and the size ending at the plane end
    for (t0, t1, a, b), nxt in zip(wins, [*wins[1:], None], strict=True):
        assert a % s == 0 and 0 <= a <= t0 and t1 <= b <= length
        assert a == 0 or t0 - a >= halo
        assert b == length or (b - t1 >= halo and (b - a) % s == 0)
        if nxt:
            assert nxt[0] == t1


def test_plan_covers_every_pixel_once():
    view = plane_view((3, 37, 29), "ZYX")
    seen = np.zeros(view.shape, int)
    for t in plan_tiles(view, 8, 5, 2):
        seen[t.plane, t.ys, t.xs] += 1
    assert (seen == 1).all()


def _window_pixels(length: int, tile: int, halo: int, s: int) -> int:
    return sum(b - a for _, _, a, b in axis_windows(length, tile, halo, s))


@pytest.mark.parametrize(("height", "width", "top", "halo", "s"),
                         [(8192, 8192, 1856, 87, 2), (1000, 700, 512, 87, 2), (100, 90, 512, 29, 1),
                          (5000, 333, 1024, 116, 3), (4097, 4097, 2048, 29, 1)])
def test_balanced_tile_never_computes_more_than_the_largest_tile(height, width, top, halo, s):
    edge = balanced_tile(height, width, top, halo, s)
    assert edge <= top and edge % s == 0 and edge >= top // 2 - s
    ours = _window_pixels(height, edge, halo, s) * _window_pixels(width, edge, halo, s)
    full = _window_pixels(height, top, halo, s) * _window_pixels(width, top, halo, s)
    assert ours <= full


def test_balanced_tile_drops_a_mostly_empty_last_row():
    edge = balanced_tile(8192, 8192, 1856, 87, 2)
    assert len(axis_windows(8192, edge, 87, 2)) == 5 and edge < 1700  # 5 tiles, smaller windows
    assert balanced_tile(512, 512, 512, 87, 2) == 512  # one tile already covers the plane
