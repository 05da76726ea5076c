"""Exact tiling: tiles whose stitched output equals whole-plane inference.

Whole-plane inference (`passes.run_mode`) edge-pads (replicates) the plane at the bottom/right to a
multiple of the pixel-shuffle stride s, shuffles it into s*s sub-images, runs the network (whose
convolutions zero-pad at the sub-image border), shuffles back, crops, and for `sdap_e` runs the
network once more at full resolution (zero-padded at the plane border).

A tile reproduces that exactly when it is cut out of a *window* that

- starts at a multiple of s (so its sub-images are crops of the whole plane's sub-images),
- has a length that is a multiple of s, or ends at the plane end (where `run_mode` pads it just
  like the whole plane),
- reaches at least `halo` pixels beyond the tile on every side that is not a plane border.

With aligned windows the halo is exactly the receptive-field radius of the mode: ``r`` for
`bsn`, ``r * s`` for `sdap` (each sub-image pixel sees r sub-image pixels, s apart) and
``r * s + r`` for `sdap_e` (the second, full-resolution pass sees r more). r = 2 + 3 * blocks.
Windows are shifted inwards at plane borders instead of being clipped, so all windows of an
image share one shape (two at most per axis) and can be batched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from napari_sdap.axes import PlaneView

__all__ = ["DETAIL_HALO", "FULL_RES", "Tile", "alignment", "axis_windows", "balanced_tile",
           "batches", "exact_halo", "plan_tiles", "plane_tiles", "split_tiles", "tile_size"]


FULL_RES = ("bsn", "student")
"""Inference modes that run one pass at full resolution (no pixel-shuffle)."""


def alignment(mode: str, pd_stride: int) -> int:
    """Stride that tile windows are aligned to: 1 at full resolution, else the PD stride."""
    return 1 if mode in FULL_RES else pd_stride


DETAIL_HALO = 3
"""Extra context of the detail restore (`refine`): half its 7 x 7 residual-energy window."""


def exact_halo(radius: int, mode: str, pd_stride: int, extra: int = 0) -> int:
    """Pixels of context each side of a tile needs for `mode` with stride-aligned windows
    (plus `extra` for the steps around the network: `refine.Refine.halo`)."""
    s = alignment(mode, pd_stride)
    return radius * s + (radius if mode == "sdap_e" else 0) + extra


def tile_size(tile: int, pd_stride: int) -> int:
    """`tile` rounded down to a multiple of the stride (at least one stride)."""
    return max(pd_stride, tile - tile % pd_stride)


def balanced_tile(height: int, width: int, max_tile: int, halo: int, s: int) -> int:
    """The tile edge <= `max_tile` that covers a plane with the fewest computed window pixels.

    Windows all have one shape (they shift inwards at the borders), so a last row of tiles that
    is mostly past the plane costs as much as a full one: 8192 pixels in tiles of 1856 computes
    5 windows of 2030 per axis, in tiles of 1648 five windows of 1822 (19 % fewer pixels in 2-D).
    Candidates are `max_tile` and the multiples of 16 down to half of it; ties keep the larger.
    """
    def cost(edge: int) -> int:
        total = 1
        for length in (height, width):
            window = min(_align_up(edge + 2 * _align_up(halo, s), s), _align_up(length, s))
            total *= -(-length // edge) * window
        return total

    top = tile_size(max_tile, s)
    candidates = [top] + [tile_size(e, s) for e in range(top - top % 16, max(top // 2, 16) - 1,
                                                          -16)]
    return min(candidates, key=lambda e: (cost(e), -e))


def _align_down(v: int, s: int) -> int:
    return v - v % s


def _align_up(v: int, s: int) -> int:
    return v + (-v) % s


def axis_windows(length: int, tile: int, halo: int, s: int, start: int = 0,
                 stop: int | None = None) -> list[tuple[int, int, int, int]]:
    """(tile start, tile end, window start, window end) along one axis of `length` pixels.

    Tiles cover `start:stop` (default: the whole axis); `tile` and `start` must be multiples
    of `s`. Windows are `tile + 2 * halo` rounded up to a multiple of
    `s` (or the whole axis when shorter), aligned to `s`, and shifted inwards at the ends.
    """
    halo = _align_up(halo, s)
    padded = _align_up(length, s)
    size = tile + 2 * halo
    out = []
    for t0 in range(start, length if stop is None else stop, tile):
        t1 = min(t0 + tile, length if stop is None else stop)
        if size >= padded:
            a, b = 0, length
        else:
            a = min(max(_align_down(t0 - halo, s), 0), padded - size)
            b = min(a + size, length)
        out.append((t0, t1, a, b))
    return out


@dataclass(frozen=True)
class Tile:
    """One tile of one plane: output region (`ys`, `xs`) and the window read for it."""

    plane: int
    ys: slice
    xs: slice
    wy: slice
    wx: slice

    @property
    def window_shape(self) -> tuple[int, int]:
        return (self.wy.stop - self.wy.start, self.wx.stop - self.wx.start)

    @property
    def inner(self) -> tuple[slice, slice]:
        """Where the tile lies inside its window's output."""
        y0, x0 = self.ys.start - self.wy.start, self.xs.start - self.wx.start
        return (slice(y0, y0 + self.ys.stop - self.ys.start),
                slice(x0, x0 + self.xs.stop - self.xs.start))

    @property
    def pixels(self) -> int:
        return (self.ys.stop - self.ys.start) * (self.xs.stop - self.xs.start)


def _region_tiles(n: int, height: int, width: int, tile: int, halo: int, s: int,
                  ys: slice, xs: slice) -> list[Tile]:
    wys = axis_windows(height, tile, halo, s, ys.start, ys.stop)
    wxs = axis_windows(width, tile, halo, s, xs.start, xs.stop)
    tiles = [Tile(n, slice(ty0, ty1), slice(tx0, tx1), slice(wy0, wy1), slice(wx0, wx1))
             for ty0, ty1, wy0, wy1 in wys for tx0, tx1, wx0, wx1 in wxs]
    return sorted(tiles, key=lambda t: t.window_shape)


def plane_tiles(view: PlaneView, plane: int, tile: int, halo: int, pd_stride: int
                ) -> list[Tile]:
    """The tiles of one plane."""
    return _region_tiles(plane, view.height, view.width, tile, halo, pd_stride,
                         slice(0, view.height), slice(0, view.width))


def plan_tiles(view: PlaneView, tile: int, halo: int, pd_stride: int) -> list[Tile]:
    """All tiles of the image, plane by plane, grouped by window shape within each plane."""
    whole = (slice(0, view.height), slice(0, view.width))
    return [t for n in range(view.n_planes)
            for t in _region_tiles(n, view.height, view.width, tile, halo, pd_stride, *whole)]


def split_tiles(tiles: list[Tile], view: PlaneView, tile: int, halo: int,
                pd_stride: int) -> list[Tile]:
    """Cut each tile into tiles of edge `tile` (after an out-of-memory error)."""
    return [t for big in tiles for t in _region_tiles(big.plane, view.height, view.width, tile,
                                                      halo, pd_stride, big.ys, big.xs)]


def batches(tiles: list[Tile], batch: int) -> Iterator[list[Tile]]:
    """Consecutive runs of at most `batch` tiles with the same window shape."""
    run: list[Tile] = []
    for t in tiles:
        if run and (len(run) == batch or t.window_shape != run[0].window_shape):
            yield run
            run = []
        run.append(t)
    if run:
        yield run
