"""Noise correlated along one axis only, as point scanners make it: whitened before the network,
coloured back after it.

A scanning microscope's detector signal passes an amplifier or integrator whose bandwidth
spreads each pixel's noise over the next ones along the fast axis: the noise of a pixel is
correlated with its neighbours along X (decaying about geometrically with the lag) and not at
all along Y. Pixel-shuffling at a stride that decorrelates X also decimates Y, which carries
no correlation, and costs resolution along both. Instead the model takes such noise as an
AR(1) process along the axis, `e[x] = a e[x-1] + (1-a) w[x]` with `w` independent per pixel,
and the image through its inverse, `(y[x] - a y[x-1]) / (1 - a)`: the noise becomes
independent per pixel, the blind-spot network and its student train at stride 1 on that, and
the output goes back through the filter (`colour`, an exponential of `taps` taps, its tail
below `TAIL` cut and the taps scaled to sum to 1), so that it estimates the recorded image.

Both filters have a gain of 1 at zero frequency, so they commute with the affine normalising
of the input and the de-normalising of the output. Both look only backwards along the axis
and repeat the first pixel at the image's edge, so a tile whose window reaches `halo` pixels
further than the network's own context gives the whole plane's result exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["MAX_COEF", "MIN_CORRELATION", "TAIL", "Whitening", "choose_whitening", "extra_halo",
           "may_whiten", "whiten_array", "whiten_sources"]

TAIL = 1e-6
"""Weight of the colouring filter's tail that is cut (it is then scaled to sum to 1)."""
MAX_COEF = 0.9
"""Largest coefficient accepted: beyond it the whitened noise is more than 19x stronger than
the recorded one, and the colouring filter longer than 130 taps."""


@dataclass(frozen=True)
class Whitening:
    """The AR(1) coefficient `coef` of the noise along `axis` ("X" or "Y")."""

    axis: Literal["X", "Y"]
    coef: float

    def __post_init__(self) -> None:
        if self.axis not in ("X", "Y") or not 0.0 < self.coef <= MAX_COEF:
            raise ValueError(f"whitening needs axis X or Y and a coefficient in (0, {MAX_COEF}] "
                             f"(got {self.axis!r}, {self.coef!r})")

    @cached_property
    def taps(self) -> int:
        """Length of the colouring filter: the fewest taps n (at least 2) with coef**n at most
        `TAIL` (the bioimage.io package counts them alike)."""
        n = 2
        while self.coef**n > TAIL:
            n += 1
        return n

    @property
    def halo(self) -> int:
        """Context (pixels) both filters add to a tile: the colouring's taps and one for the
        whitening."""
        return self.taps

    @property
    def dim(self) -> int:
        """The tensor dimension of the axis in (..., Y, X) layout."""
        return -1 if self.axis == "X" else -2

    def explain(self, cx: Sequence[float], cy: Sequence[float]) -> str:
        """One line for the log: the correlations read (`cx`/`cy`) and what was done."""
        fx, fy = (", ".join(f"{v:.2f}" for v in c) for c in (cx, cy))
        return (f"noise correlated along {self.axis} only (autocorrelation X: {fx}; Y: {fy}): "
                f"whitened along it (AR(1) coefficient {self.coef:.2f}), trained at stride 1")

    def recorded(self, curve: Any) -> Any:
        """A noise curve (`noise_model.NoiseCurve`) measured on the whitened image, as the
        recorded noise: each variance times (1 - coef) / (1 + coef), the white noise's through
        the colouring filter (which keeps the intensity, so the levels stay)."""
        f = (1.0 - self.coef) / (1.0 + self.coef)
        return curve.model_copy(update={"variance": [[[v * f for v in ch] for ch in group]
                                                     for group in curve.variance]})

    def weights(self) -> np.ndarray:
        """The colouring taps, lag 0 first (float64, sum 1)."""
        return self._reversed[::-1].copy()

    @cached_property
    def _reversed(self) -> np.ndarray:
        """The colouring taps, lag 0 last (computed once per whitening, not per batch)."""
        w = (1.0 - self.coef) * self.coef ** np.arange(self.taps, dtype=np.float64)
        return (w / w.sum())[::-1].copy()

    def whiten(self, x: torch.Tensor) -> torch.Tensor:
        """`x` (..., Y, X) through the inverse filter along the axis (first pixel repeated)."""
        return _inverse(x, self.dim, self.coef, torch.cat)

    def colour(self, y: torch.Tensor) -> torch.Tensor:
        """`y` (..., Y, X) through the colouring filter along the axis (first pixel repeated)."""
        moved = y.float().movedim(self.dim, -1)
        shape = moved.shape
        flat = moved.reshape(-1, 1, shape[-1])
        kernel = torch.as_tensor(self._reversed, dtype=flat.dtype, device=flat.device)
        # replicate-pad on the left: the pixels before the edge repeat the first one
        padded = F.pad(flat, (self.taps - 1, 0), mode="replicate")
        out = F.conv1d(padded, kernel.view(1, 1, -1)).reshape(shape)
        return out.movedim(-1, self.dim).to(y.dtype)


MIN_CORRELATION = 0.25
"""Least lag-1 correlation along the axis for whitening: below it a stride-1 model is trained on
the image as it is (`training.noise.choose_stride`)."""
SHRINK = 0.85
"""The coefficient used, as a share of the lag-1 correlation read. Whitening fully (the
coefficient read, 0.56, or the true one, 0.6) makes the whitened noise 3.5-4x stronger in
variance than recorded, and cost 0.6-1.3 dB against 0.5 on scanner proxies
(docs/benchmarks.md, "Noise correlated along the scan line")."""
AR1 = 0.1
"""Most departure of the lag-2 correlation along the axis from the square of lag 1's (an AR(1)
process's)."""
ACROSS = 0.15
"""Most |correlation| at lag 2 across the axis, and at lag 1 unless `RATIO` allows more (the
estimate from a few flat blocks of a small image scatters by about 0.1). Across the axis the
smaller of two readings counts: the flattest quarter of the blocks and their flattest
sixteenth, where texture adds least (256² crops of scanner frames: 127 of 128 whitened
against 108 from the quarter alone; docs/benchmarks.md, "Scanner noise on textured crops: the
correlation across read where flattest")."""
RATIO = 0.65
"""Most lag-1 correlation across the axis as a share of the one along it. Texture left in the
flattest blocks of a detailed frame reads as correlation along both axes (a textured two-photon
frame with the noise correlated along X alone read 0.71 along and 0.40 across, and gained 2.9
dB from the whitening; a 256² crop of it read 0.708 and 0.425, 0.6005 of it, and gained 3.2 dB
once the bound was raised from 0.6); noise correlated along both axes, as demosaicing or a box
filter makes it, read at least 0.78 of it on every task of the benchmarks (PolyU circuit_3),
and no other of the 4124 readings logged by the benchmarks that passes the other checks lies
between 0.6 and 0.69 (docs/benchmarks.md, "Scanner noise on a textured crop")."""


def choose_whitening(cx: Sequence[float], cy: Sequence[float],
                     flat: tuple[Sequence[float], Sequence[float]] | None = None
                     ) -> Whitening | None:
    """The whitening for noise of autocorrelations `cx` / `cy` (lags 1, 2, ... along X / Y):
    one axis correlated at lag 1 by at least `MIN_CORRELATION` and decaying as an AR(1)
    process, the other flat; None for any other noise (white, correlated along both axes as
    demosaicing or a box filter makes it, or not decaying geometrically). `flat`: lags 1 and 2
    along X and along Y over the flattest sixteenth of the blocks
    (`training.noise.NoiseEstimate.sixteenth`); the correlation across the axis is then the
    smaller of the two readings at each lag, as texture only adds to it."""
    for k, (axis, along, across) in enumerate((("X", cx, cy), ("Y", cy, cx))):
        if len(along) < 2 or len(across) < 2:
            return None
        if flat is not None:
            across = [min(abs(float(a)), abs(float(b)))
                      for a, b in zip(across[:2], flat[1 - k][:2], strict=True)]
        r1, r2 = float(along[0]), float(along[1])
        if (MIN_CORRELATION <= r1 <= MAX_COEF and abs(r2 - r1 * r1) <= AR1
                and abs(float(across[0])) <= max(ACROSS, RATIO * r1)
                and abs(float(across[1])) <= ACROSS):
            return Whitening(axis, round(SHRINK * r1, 4))
    return None


def may_whiten(config: Any, dims: Any, overrides: dict[str, Any]) -> bool:
    """Whether a first training with the stride chosen automatically may whiten: 2-D models
    (`dims` for a new model, the `config` of one from `create_model`), `whiten` not turned off
    and no known noise level (`noise_std` describes the recorded noise, not the whitened one)."""
    if overrides.get("whiten") is False or overrides.get("noise_std") is not None:
        return False
    if config is None:
        return dims == 2
    t = config.training
    return config.network.dims == 2 and t.whiten and t.noise_std is None


def whiten_array(array: Any, axis: int, coef: float) -> Any:
    """`array` whitened along its `axis` as float32 (`Whitening.whiten`): numpy in, numpy out;
    anything else (dask, zarr) lazily through dask."""
    if isinstance(array, np.ndarray):
        lib, a = np, array.astype(np.float32, copy=False)
    else:
        import dask.array as lib

        a = lib.asarray(array).astype(np.float32)
    return _inverse(a, axis, np.float32(coef), lib.concatenate)


def _inverse(a: Any, axis: int, coef: Any, concatenate: Any) -> Any:
    """``(a[i] - coef a[i-1]) / (1 - coef)`` along `axis`, the first pixel repeated before the
    edge: torch, numpy and dask arrays alike (`concatenate`: their joining function)."""
    first, rest = [slice(None)] * a.ndim, [slice(None)] * a.ndim
    first[axis], rest[axis] = slice(0, 1), slice(0, a.shape[axis] - 1)
    prev = concatenate([a[tuple(first)], a[tuple(rest)]], axis)
    return (a - coef * prev) / (1.0 - coef)


def whiten_sources(sources: Sequence[tuple[Any, Any]], whitening: Whitening
                   ) -> list[tuple[Any, Any]]:
    """Training sources (array, `PlaneView`) with each array whitened along the axis."""
    return [(whiten_array(a, v.axes.index(whitening.axis), whitening.coef), v)
            for a, v in sources]


def extra_halo(refine: Any, whiten: Whitening | None) -> int:
    """Context (pixels) the steps around the network add to its own: the outlier repair and
    detail restore of `refine` (an `infer.refine.Refine` or None) and the whitening."""
    return ((refine.halo if refine is not None else 0)
            + (whiten.halo if whiten is not None else 0))
