"""`QCReport`: what the quality check measured, as JSON and in plain language."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from napari_sdap.qc.metrics import Band

__all__ = ["SCHEMA", "Flag", "QCReport", "WindowStats"]

SCHEMA = "napari-sdap-qc/1"
"""Name and version of the JSON layout of `QCReport.to_dict`."""


@dataclass
class Flag:
    """A warning: `code` for programs, `message` for people."""

    code: str
    message: str


@dataclass
class WindowStats:
    """Numbers of one window of one plane (all its channels together)."""

    where: str
    pixels: int
    residual_std: float
    residual_correlation_x1: float
    residual_correlation_y1: float
    structure_fraction: float = 0.0
    restored_fraction: float | None = None
    psnr: float | None = None
    ssim: float | None = None


@dataclass
class QCReport:
    """The quality check of a denoised result: see docs/qc.md for how to read each number."""

    shape: list[int]
    axes: str
    planes: int
    """Planes of the image (outer positions, channels not counted)."""
    windows: list[WindowStats]
    residual_correlation_x: list[float]
    """Normalised autocorrelation of input - output at lags 1..4 along X (0: white)."""
    residual_correlation_y: list[float]
    noise_correlation_x: list[float]
    """The input's noise autocorrelation at lags 1..4 along X, from its flattest blocks."""
    noise_correlation_y: list[float]
    bands: list[Band]
    structure_fraction: float = 0.0
    """Share of pixels whose local residual energy exceeds `excess_factor` x the noise variance."""
    excess_factor: float = 2.0
    """2 for white noise, 3 for correlated noise."""
    restore: dict[str, Any] | None = None
    """Detail restore: `fraction` of pixels given some input back, `mean_weight`, `mode`."""
    reference: dict[str, Any] | None = None
    """With a reference: `psnr`, `ssim` of the output and `psnr_input`, `ssim_input`."""
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    crops: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """Small crops (`input`, `output`, `residual`, 2-D) for figures; not in `to_dict`."""

    @property
    def ok(self) -> bool:
        """True when nothing was flagged."""
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        """Everything but the crops, JSON-ready (non-finite numbers become None)."""
        data = {"schema": SCHEMA, **asdict(self), "ok": self.ok}
        data.pop("crops")
        return _finite(data)

    def summary(self) -> str:
        """A few lines in plain language."""
        n = sum(w.pixels for w in self.windows)
        lines = [f"Checked {len(self.windows)} window(s), {n:,} pixels, of an image "
                 f"{self.axes} {tuple(self.shape)} ({self.planes} plane(s))."]
        lines.append(f"Removed part (input - output): autocorrelation lags 1-4 "
                     f"X {_fmt(self.residual_correlation_x)}, Y "
                     f"{_fmt(self.residual_correlation_y)}; the input's noise had X "
                     f"{_fmt(self.noise_correlation_x)}, Y {_fmt(self.noise_correlation_y)}.")
        lines.append(f"Structure taken out (local residual energy over {self.excess_factor:g} x "
                     f"the noise variance) at "
                     f"{100 * self.structure_fraction:.2f}% of pixels.")
        ratios = [b.ratio for b in self.bands if b.ratio is not None]
        if ratios:
            lines.append(f"Residual std / noise std measured at training: {min(ratios):.2f} to "
                         f"{max(ratios):.2f} over {len(ratios)} intensity band(s) (1 = only "
                         f"noise removed).")
        elif self.bands:
            stds = [b.residual_std for b in self.bands]
            why = ("the model has no noise curve" if any(
                n.startswith("the model has no noise curve") for n in self.notes) else "no model")
            lines.append(f"Residual std {min(stds):.3g} to {max(stds):.3g} over "
                         f"{len(self.bands)} intensity band(s) ({why}: not compared with "
                         f"the noise).")
        if self.restore is not None:
            lines.append(f"Detail restore ({self.restore['mode']} network): input given back at "
                         f"{100 * self.restore['fraction']:.1f}% of pixels, mean weight "
                         f"{self.restore['mean_weight']:.3f}.")
        if self.reference is not None:
            r = self.reference
            lines.append(f"Against the reference: PSNR {_db(r['psnr'])} (input "
                         f"{_db(r['psnr_input'])}), SSIM {_num(r['ssim'])} (input "
                         f"{_num(r['ssim_input'])}).")
        if self.flags:
            lines.append("Warnings:")
            lines.extend(f"- {f.message}" for f in self.flags)
        else:
            lines.append("No warnings: what was removed looks like the noise.")
        lines.extend(f"Note: {t}" for t in self.notes)
        return "\n".join(lines)


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:+.2f}" for v in values)


def _db(value: float | None) -> str:
    return "n/a" if value is None else "identical" if math.isinf(value) else f"{value:.2f} dB"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value
