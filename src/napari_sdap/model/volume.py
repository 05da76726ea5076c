"""Plane access with Z (or T) context, for the 2.5-D network (`model.network3d`).

`VolumeView` is a `PlaneView` whose `read` returns, for plane n, the window of n and its
`context` neighbours `step` planes apart on either side along the volume axis, stacked on the
channel axis: (planes * C, h, w). Everything that works plane by plane (patch sampling, exact
tiling, streaming, writing) then works on stacks unchanged; only reading changes. Near the first
and last plane the neighbours are mirrored (plane -1 reads plane 1), never replicated: a copy of
the plane itself as its own neighbour would show the network the voxel it must not see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView
from napari_sdap.errors import InputError

__all__ = ["VolumeView", "mirror", "noise_plane_correlation", "plane_correlation", "volume_view"]


def mirror(i: int, n: int) -> int:
    """Index `i` mirrored into 0..n-1 without repeating the edge (-1 -> 1, n -> n-2)."""
    if n == 1:
        return 0
    period = 2 * (n - 1)
    i = i % period
    return i if i < n else period - i


@dataclass(frozen=True)
class VolumeView(PlaneView):
    """A `PlaneView` that reads each plane with its neighbours along array axis `axis`."""

    axis: int = 0
    context: int = 1
    step: int = 1

    @property
    def depth(self) -> int:
        """Planes along the volume axis."""
        return self.shape[self.axis]

    def neighbours(self, n: int) -> list[int]:
        """Plane numbers of the window of plane `n`, first to last (n in the middle)."""
        z = int(self.plane_position(n)[self.axis])
        later = self.loop_axes[self.loop_axes.index(self.axis) + 1:]
        stride = math.prod(self.shape[i] for i in later)
        return [n + (mirror(z + i * self.step, self.depth) - z) * stride
                for i in range(-self.context, self.context + 1)]

    def read(self, array: Any, n: int, ys: slice = slice(None), xs: slice = slice(None),
             dtype: Any = "exact") -> np.ndarray:
        """The (planes * C, h, w) window of plane `n` and its neighbours, as `dtype` (as
        `PlaneView.read`)."""
        return np.concatenate([PlaneView.read(self, array, m, ys, xs, dtype)
                               for m in self.neighbours(n)], axis=0)


def volume_view(view: PlaneView, along: str, context: int, step: int,
                trained: bool = False, given: bool = False) -> VolumeView:
    """The `VolumeView` of an image for a 3-D model; `InputError` when the image has no
    `along` axis or too few planes along it (`trained`: the model exists, so the fix is in
    the image, not in training options; `given`: a model given to train further, whose dims
    apply, so the fix is in the image or a new 2-D model)."""
    from napari_sdap.model.network3d import min_planes

    need = min_planes(context, step)
    fix, thin = None, None
    if trained:
        fix = (f"this model is 3-D: give the image's {along} axis in its axes (e.g. "
               f"axes='{along}YX', CLI --axes {along}YX), or denoise it with a 2-D model")
        thin = "this model is 3-D: denoise so thin a stack with a 2-D model"
    elif given:
        own = "the model given (model=) is 3-D and its dims apply (dims= does not change them)"
        fix = (f"{own}: give the image's {along} axis in its axes (e.g. '{along}YX'), or train "
               f"a new 2-D model on it (dims=2 without model=)")
        thin = f"{own}: train a new 2-D model on so thin a stack (dims=2 without model=)"
    if along not in view.axes:
        other = "T" if along == "Z" else "Z"
        hint = f" (it has {other}: use along={other!r})" if other in view.axes and not fix \
            else ""
        raise InputError(
            f"a 3-D model needs a {along} axis of at least {need} planes, but the image "
            f"({view.axes}, shape {view.shape}) has none{hint}; " + (fix or (
                f"give axes with {along}, or use dims=2 (each plane on its own)")))
    axis = view.axes.index(along)
    if view.shape[axis] < need:
        smaller = [f"a smaller {k}" for k, v in (("z_context", context), ("z_step", step))
                   if v > 1]
        other = "T" if along == "Z" else "Z"
        if not thin and other in view.axes and view.shape[view.axes.index(other)] >= need:
            smaller.append(f"along={other!r} (its {view.shape[view.axes.index(other)]} "
                           f"planes along {other})")
        raise InputError(
            f"a 3-D model with z_context={context} and z_step={step} needs at least {need} "
            f"planes along {along}, but the image ({view.axes}, shape {view.shape}) has "
            f"{view.shape[axis]}; " + (thin or "use dims=2" + "".join(
                f", or {s}" for s in smaller)))
    fields = {k: getattr(view, k) for k in ("shape", "axes", "joint", "loop_axes",
                                            "channel_pos")}
    return VolumeView(**fields, axis=axis, context=context, step=step)


def plane_correlation(array: Any, view: PlaneView, axis: int, pairs: int = 8,
                      crop: int = 256, seed: int = 0) -> float:
    """How much neighbouring planes along `axis` share their signal, 0..1 (about).

    Noise independent between pixels cancels out of covariances between different pixels, so
    the covariance of a pixel with the same pixel in the next plane, divided by its covariance
    with the pixels two to the side in its own plane, compares the signal shared along the
    volume axis with the signal shared inside the plane: near 1 for smooth, isotropic
    structure, near 0 when consecutive planes are unrelated.
    """
    rng = np.random.default_rng(seed)
    loop = [i for i in view.loop_axes if i != axis]
    depth = view.shape[axis]
    h, w = view.height, view.width
    y0, x0 = max((h - crop) // 2, 0), max((w - crop) // 2, 0)
    ys, xs = slice(y0, y0 + min(crop, h)), slice(x0, x0 + min(crop, w))
    along, inside = [], []
    for _ in range(pairs):
        z = int(rng.integers(depth - 1))
        other = {i: int(rng.integers(view.shape[i])) for i in loop}
        a, b = (_plane(array, view, {**other, axis: z + k}, ys, xs) for k in (0, 1))
        # pixels of a fill (a mosaic's, a registration's: one value over 3 x 3 in both
        # planes) hold no signal, yet their step to the data is shared by every plane (planes
        # that share nothing read 0.74 beside a 37 % fill, 0.12 without)
        keep = ~(_constant(a) & _constant(b))
        if keep.sum() < 16:
            continue
        a, b = (np.where(keep, p - p[keep].mean(), 0.0) for p in (a, b))
        across = int((keep[:, 2:] & keep[:, :-2]).sum()), int((keep[2:] & keep[:-2]).sum())
        along.append(float((a * b).sum()) / int(keep.sum()))
        inside.append(float(np.mean([(p[:, 2:] * p[:, :-2]).sum() / max(across[0], 1)
                                     + (p[2:] * p[:-2]).sum() / max(across[1], 1)
                                     for p in (a, b)])) / 2)
    if not along:
        return 0.0
    denom = float(np.mean(inside))
    return float(np.mean(along)) / denom if denom > 0 else 0.0


def noise_plane_correlation(array: Any, view: PlaneView, axis: int, triples: int = 8,
                            crop: int = 128, block: int = 16, seed: int = 0) -> float:
    """How much the *noise* of neighbouring planes along `axis` is correlated: ~0 when it is
    independent from plane to plane, about a / (1 + a**2) for noise mixed as n_z + a * n_(z-1).

    A high-pass residual of each plane (`_residual`) is mostly noise. Its correlation between
    neighbouring planes is the noise correlation plus the part of the signal left in the
    residuals; the same correlation between planes two apart keeps that signal part (planes
    two apart still share their structure) but not the correlation of the noise of neighbouring
    planes, so their difference measures the noise. It is taken in `block` x `block` px blocks
    of `triples` random runs of three consecutive planes, cropped to `crop` px at random places,
    and the median over the blocks is returned: blocks of dense fine structure, where signal
    that changes from plane to plane still reads as correlation, are the minority in most
    images. 0 for stacks of fewer than 3 planes, or without blocks that vary.
    """
    depth, h, w = view.shape[axis], view.height, view.width
    if depth < 3 or min(h, w) < 6:
        return 0.0
    rng = np.random.default_rng(seed)
    loop = [i for i in view.loop_axes if i != axis]
    sy, sx = min(crop + 2, h), min(crop + 2, w)
    b = min(block, sy - 2, sx - 2)
    values = []
    for _ in range(triples):
        z = int(rng.integers(depth - 2))
        other = {i: int(rng.integers(view.shape[i])) for i in loop}
        y0, x0 = int(rng.integers(h - sy + 1)), int(rng.integers(w - sx + 1))
        ys, xs = slice(y0, y0 + sy), slice(x0, x0 + sx)
        p, q, r = (_blocks(_residual(_plane(array, view, {**other, axis: z + k}, ys, xs)), b)
                   for k in range(3))
        near = ((p * q).mean(axis=1) + (q * r).mean(axis=1)) / 2
        power = ((p * p).mean(axis=1) + (q * q).mean(axis=1) + (r * r).mean(axis=1)) / 3
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (near - (p * r).mean(axis=1)) / power
        values.append(value[np.isfinite(value)])  # flat (clipped, empty) blocks say nothing
    found = np.concatenate(values)
    return float(np.median(found)) if found.size else 0.0


def _constant(p: np.ndarray) -> np.ndarray:
    """Where `p` (2-D) is one exact value over the 3 x 3 window around the pixel."""
    q = np.pad(p, 1, mode="edge")
    h, w = p.shape
    return np.all([q[dy:dy + h, dx:dx + w] == p for dy in range(3) for dx in range(3)], axis=0)


def _residual(p: np.ndarray) -> np.ndarray:
    """The inner pixels filtered with [1, -2, 1] along Y and then along X: it passes only what
    varies quickly along both (the corner of the spectrum, where images sampled finely enough
    for their optics hold little signal but white noise as much as anywhere)."""
    q = p[:-2] - 2 * p[1:-1] + p[2:]
    return q[:, :-2] - 2 * q[:, 1:-1] + q[:, 2:]


def _blocks(r: np.ndarray, b: int) -> np.ndarray:
    """Rows of the b x b blocks of `r` (what does not fill a block is left out), centred."""
    h, w = r.shape[0] // b * b, r.shape[1] // b * b
    out = r[:h, :w].reshape(h // b, b, w // b, b).swapaxes(1, 2).reshape(-1, b * b)
    return out - out.mean(axis=1, keepdims=True)


def _plane(array: Any, view: PlaneView, pos: dict[int, int], ys: slice, xs: slice
           ) -> np.ndarray:
    sizes = [view.shape[i] for i in view.loop_axes]
    n = int(np.ravel_multi_index([pos[i] for i in view.loop_axes], sizes)) if sizes else 0
    return view.read(array, n, ys, xs).mean(axis=0, dtype=np.float64)
