"""Which parts of an image the quality check reads: a few planes, a few windows of each.

A window is a Y-X region of one position along the outer axes (T, Z, S ... and C when the
channels are independent are looped; all channels of the position are read together, so the
model's channel layout is kept). Only these regions are read from dask or zarr arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView, exact_float

__all__ = ["Window", "choose_windows", "outer_axes", "read_window", "window_axes"]


@dataclass(frozen=True)
class Window:
    """One region read by the check."""

    position: tuple[tuple[int, int], ...]
    """(array axis, index) of the outer axes."""
    y: int
    x: int
    height: int
    width: int

    def index(self, view: PlaneView) -> tuple[Any, ...]:
        pos = dict(self.position)
        idx: list[Any] = []
        for i, a in enumerate(view.axes):
            if i in pos:
                idx.append(pos[i])
            elif a == "Y":
                idx.append(slice(self.y, self.y + self.height))
            elif a == "X":
                idx.append(slice(self.x, self.x + self.width))
            else:
                idx.append(slice(None))
        return tuple(idx)

    def describe(self, view: PlaneView) -> str:
        where = ", ".join(f"{view.axes[i]}={k}" for i, k in self.position)
        return ((where + ", ") if where else "") + (
            f"y {self.y}-{self.y + self.height}, x {self.x}-{self.x + self.width}")


def outer_axes(view: PlaneView) -> list[int]:
    """Array positions of the axes looped over, the channel axis excepted."""
    return [i for i in view.loop_axes if i != view.channel_pos]


def window_axes(view: PlaneView) -> str:
    """Axes letters of a window as read (the outer axes dropped)."""
    outer = outer_axes(view)
    return "".join(a for i, a in enumerate(view.axes) if i not in outer)


def choose_windows(view: PlaneView, planes: int = 8, window: int = 512,
                   seed: int = 0) -> list[Window]:
    """Up to `planes` positions spread evenly over the outer axes and, in all, about `planes`
    windows of at most `window` x `window` pixels (several per plane when there are fewer
    planes), picked at random from a grid over the plane."""
    outer = outer_axes(view)
    sizes = [view.shape[i] for i in outer]
    total = math.prod(sizes)
    count = min(total, planes)
    picks = sorted({round(float(v)) for v in np.linspace(0, total - 1, count)})
    per = max(1, planes // len(picks))
    rng = np.random.default_rng(seed)
    h, w = view.height, view.width
    wh, ww = min(window, h), min(window, w)
    cells = [(i * wh, j * ww) for i in range(h // wh) for j in range(w // ww)]
    out = []
    for p in picks:
        pos = tuple(zip(outer, (int(k) for k in np.unravel_index(p, sizes)), strict=True)
                    ) if sizes else ()
        for k in rng.permutation(len(cells))[:per]:
            y, x = cells[int(k)]
            out.append(Window(pos, y, x, wh, ww))
    return out


def read_window(array: Any, win: Window, view: PlaneView) -> np.ndarray:
    """The window's pixels as float32 numpy (float64 for a dtype float32 does not hold
    exactly, `axes.exact_float`; layout of `window_axes`)."""
    dtype = exact_float(getattr(array, "dtype", np.float32))
    return np.asarray(array[win.index(view)], dtype=dtype)
