"""The measured noise a model carries: variance against intensity per channel group and
channel, the detail restore's gate, the bias correction, and the output blur or mix chosen when
training ended (`NoiseCurve`, stored in every model file). What is done with it around the
network is `infer.refine`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

__all__ = ["NoiseCurve"]


class NoiseCurve(BaseModel):
    """Noise variance against intensity (network scale), per channel group and channel."""

    model_config = ConfigDict(extra="forbid")
    levels: list[list[list[FiniteFloat]]] = Field(min_length=1)
    """[group][channel] -> increasing intensities (bin medians of the network output)."""
    variance: list[list[list[FiniteFloat]]] = Field(min_length=1)
    """[group][channel] -> noise variance (>= 0) at those intensities."""
    threshold: float = Field(1.0, ge=1.0, le=10.0)
    """Residual energy must exceed ``threshold * s2`` before any input is given back."""
    strength: float = Field(1.0, ge=0.0, le=1.0)
    """Scale of the gain, chosen with `threshold` on held-out pixels (`infer.curve`); 0 turns
    the restore off for the model. Curves saved without it restore at full strength."""
    offset: list[list[FiniteFloat]] | None = None
    """[group][channel] -> the output's measured mean bias ``mean(x - mu)``, added to the
    teacher's output (`infer.offset`); None (curves saved without it, models trained at
    stride > 1): no correction."""
    blur: float = Field(0.0, ge=0.0, le=3.0)
    """Standard deviation (px) of a Gaussian blur of the output of mode `blur_mode` (after the
    restore; 0: none, and curves saved without it), chosen when training ends from the noisy
    data (`infer.correlated`, `api.output_blur`): the output of a network trained on
    correlated noise keeps part of it (docs/method.md). `SDAPModel.refine` hands it on."""
    colour_blur: float = Field(0.0, ge=0.0, le=3.0)
    """Standard deviation (px) of a Gaussian blur of the two colour components alone (after
    `blur`; 0: none, and curves saved without it) of an RGB model's output of mode
    `blur_mode`, chosen with the output blur (`infer.colour`, `api.output_blur`)."""
    reach: FiniteFloat | None = None
    """The noise's correlation at the training stride, read when the curve was measured
    (`infer.noise_reach`), from which the gate's lowest threshold was chosen (None: not read:
    stride 1, a given noise level, a stride beyond the reading's reach or an unreadable
    image, and curves saved without it)."""
    blur_mode: Literal["student", "sdap", "sdap_e", "bsn"] | None = None
    """The mode (the model's default when the blur or the mix was chosen) whose output is
    blurred or mixed."""
    mix: float = Field(0.0, ge=0.0, le=1.0)
    """Share of the blurred input (`mix_blur`) mixed into the output of mode `blur_mode` (0:
    none, and curves saved without it), chosen when training ends from the noisy data for
    models trained at stride 1 (`infer.mixing`, `api.output_mix`): at strong noise a plain
    blur still beats the network where the image is smooth. `SDAPModel.refine` hands it on."""
    mix_blur: float = Field(0.0, ge=0.0, le=4.0)
    """Standard deviation (px) of the blur of the input that `mix` mixes in (a Gaussian without
    its centre tap, `gaussian.donut`)."""
    mix_guard: float = Field(0.0, ge=0.0)
    """Where the blurred input departs from the output by more than this many noise stds (the
    curve's, at the output's intensity), the pixel gets less of the mix, and none from twice
    as far (`mixing.guard`: thin lines and puncta that the blur would dim; 0: no guard, and
    curves saved without it)."""

    @model_validator(mode="after")
    def _check(self) -> NoiseCurve:
        """Same layout in both lists: every group the same number of channels (at least one),
        every channel at least one knot; levels non-decreasing, variances non-negative."""
        if len(self.levels) != len(self.variance):
            raise ValueError(f"levels and variance need the same channel groups (got "
                             f"{len(self.levels)} and {len(self.variance)})")
        channels = len(self.levels[0])
        for g, (lv_g, var_g) in enumerate(zip(self.levels, self.variance, strict=True)):
            if not lv_g or len(lv_g) != channels or len(var_g) != channels:
                raise ValueError(f"group {g} needs {max(channels, 1)} channel(s) in levels and "
                                 f"variance (got {len(lv_g)} and {len(var_g)})")
            for c, (lv, var) in enumerate(zip(lv_g, var_g, strict=True)):
                where = f"[{g}][{c}]"
                if not lv or len(lv) != len(var):
                    raise ValueError(f"levels{where} and variance{where} need the same number "
                                     f"of knots, at least one (got {len(lv)} and {len(var)})")
                down = next((k for k in range(1, len(lv)) if lv[k] < lv[k - 1]), None)
                if down is not None:
                    raise ValueError(f"levels{where} must be increasing (knot {down}: "
                                     f"{lv[down]:g} after {lv[down - 1]:g})")
                if min(var) < 0:
                    raise ValueError(f"variance{where} holds a negative noise variance "
                                     f"({min(var):g})")
        self._check_offset(channels)
        return self

    def _check_offset(self, channels: int) -> None:
        """The offset, when there is one, has the curve's groups and channels."""
        if self.offset is not None and (len(self.offset) != len(self.levels) or any(
                len(per_ch) != channels for per_ch in self.offset)):
            raise ValueError(f"offset needs {len(self.levels)} channel group(s) of {channels} "
                             f"channel(s) (got {[len(p) for p in self.offset]})")

    def summary(self, scales: Sequence[float] | None = None) -> str:
        """Noise std range per group on the image's scale (`scales`: per-group intensity scale)."""
        parts = []
        for g, per_ch in enumerate(self.variance):
            k = scales[g] if scales is not None else 1.0
            stds = [float(np.sqrt(v)) * k for ch in per_ch for v in ch]
            lo, hi = f"{min(stds):.3g}", f"{max(stds):.3g}"
            parts.append(lo if lo == hi else f"{lo}-{hi}")
        return "noise std " + ", ".join(parts)

    def describe_output(self, blur_estimate: Mapping[str, float] | None,
                        mix_estimate: Mapping[str, float] | None) -> str:
        """The output blur and mix for `SDAPModel.describe_detail` ("" without either), with
        the estimates behind them (`record.output_blur`, `record.output_mix`) where known."""
        text = ""
        if self.blur:  # models trained for correlated noise (`api.output_blur`)
            est = blur_estimate or {}
            text = (f"; then the output blurred by {self.blur:g} px" + (
                f" (estimated error {100 * est['gain']:.1f} % of the noise variance lower, "
                f"standard error {100 * est['gain_se']:.1f} %"
                + ("; noise read from repeated frames" if est.get("frames") else "") + ")"
                if "gain" in est else ""))
        if self.colour_blur:  # RGB models trained for correlated noise (`infer.colour`)
            est = blur_estimate or {}
            text += (f"; then its colour blurred by {self.colour_blur:g} px" + (
                f" (estimated error {100 * est['colour_gain']:.1f} % lower, standard error "
                f"{100 * est['colour_gain_se']:.1f} %)" if "colour_gain" in est else ""))
        if self.mix:  # strong white noise (`api.output_mix`)
            est = mix_estimate or {}
            guarded = (f", less where the two differ by more than {self.mix_guard:.2g} noise "
                       "stds" if self.mix_guard else "")
            text += (f"; then {100 * self.mix:.0f} % of the input blurred by {self.mix_blur:g} "
                     f"px mixed in{guarded}" + (
                         f" (estimated error {100 * est['gain']:.1f} % lower, standard error "
                         f"{100 * est['gain_se']:.1f} %)" if "gain" in est else ""))
        return text

    def tensors(self, groups: Sequence[int], device: torch.device
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """(levels, variance) as N x C x B tensors for windows of channel `groups`."""
        width = max(2, *(len(ch) for per_ch in self.levels for ch in per_ch))

        def pad(rows: list[float]) -> list[float]:  # repeat the last knot: flat extension
            return rows + [rows[-1]] * (width - len(rows))

        lv = [[pad(ch) for ch in self.levels[g]] for g in groups]
        var = [[pad(ch) for ch in self.variance[g]] for g in groups]
        return (torch.tensor(lv, dtype=torch.float32, device=device),
                torch.tensor(var, dtype=torch.float32, device=device))

    def offset_tensor(self, groups: Sequence[int], device: torch.device
                      ) -> torch.Tensor | None:
        """The bias correction as an N x C x 1 x 1 tensor for windows of `groups`, None
        without one."""
        if self.offset is None:
            return None
        rows = [self.offset[g] for g in groups]
        return torch.tensor(rows, dtype=torch.float32, device=device)[..., None, None]
