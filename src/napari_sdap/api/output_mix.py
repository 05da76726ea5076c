"""Whether the default output of a model trained for white noise (stride 1) is mixed with a
blurred input, and how (`infer.mixing`): chosen when its training ends (after a student's
distillation), stored in its noise curve (`mix`, `mix_blur`, `blur_mode`)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.api.modes import default_mode
from napari_sdap.api.target_blur import checkable, on_cpu_after, sampled_windows
from napari_sdap.clipping import CLIPPED, clipped_ends
from napari_sdap.infer.gaussian import blur_radius
from napari_sdap.infer.mixing import SIGMAS, Mix, choose_mix, masked_output
from napari_sdap.infer.refine import noise_std
from napari_sdap.infer.smoothing import inside
from napari_sdap.infer.targets import teacher
from napari_sdap.infer.tiling import exact_halo

__all__ = ["CLEAR", "MIX_PIXELS", "output_mix"]

log = logging.getLogger(__name__)

MIX_PIXELS = 2**17
"""Output pixels per channel group the estimate reads (`mixing.GRID`² passes of the default
mode's network), in tiles of up to 256 x 256 (`target_blur.sampled_windows`)."""
_SEED = 32_452_843
CLEAR = 1.0
"""On clipped data the estimate counts the pixels whose masked output lies more than this many
noise stds from the clip (`_clear`); there the clip moves the noise's mean by less than a tenth
of its std. On five clipped 8-bit proxies (docs/benchmarks.md) counting every pixel changed
them by -0.10 to +0.52 dB (sum +0.55), this rule by 0.00 to +0.27 (sum +0.56); 2 stds, or
pixels without a clipped neighbour, mixed one of the five (+0.32, +0.33)."""


def output_mix(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device
               ) -> Mix | None:
    """Choose the mix of the model's default output with its blurred input on `sources` and
    store it in its noise curve (`NoiseCurve.mix`, `mix_blur`; 0: none) and record
    (`record.output_mix`: the choice, its estimated gain, and each blur's best share and gain);
    None, and no mix, where it is not chosen (not a 2-D stride-1 model with a noise curve,
    or the estimate failed). Where the data are clipped (8-bit frames with the dark background
    at 0) the estimate counts only the pixels clear of the clip (`_clear`, `CLEAR`): at a clip
    the noise's mean is not zero and the estimate would aim at the clipped mean;
    `record.output_mix["clipped"]` is 1 then."""
    curve = model.noise_curve
    if curve is None or not checkable(model):
        return None
    cfg = model.config
    mode = default_mode(model)
    refine = model.refine(mode=mode)
    if refine is not None:  # the output as it is without a mix
        refine = replace(refine, mix=0.0, mix_blur=0.0, mix_guard=0.0)
    net = model.net(mode)
    halo = exact_halo(net.radius, mode, 1, refine.halo if refine else 0)
    run = teacher(net, device, mode, 1, refine, fp32=True)
    reach = blur_radius(max(SIGMAS))
    windows = sampled_windows(model, sources, halo + reach, 1, cfg.seed + _SEED, MIX_PIXELS)

    clipped = False

    def choose() -> Mix | None:
        nonlocal clipped
        found, seen = [], {}
        for window, group, tile in windows:
            x = np.asarray(window, np.float32)
            blind = masked_output(lambda a, g=group: run(a, g)[1], x)
            std = noise_std(torch.from_numpy(blind).float()[None], curve, [group])[0]
            cut = inside(tile.inner, x.shape[-2:], reach)
            found.append((x, blind, std.double().numpy(), cut, group))
            for c in range(x.shape[0]):  # a window too small for the blur's reach counts none
                seen.setdefault((group, c), []).append(x[c][cut].ravel())
        ends = {}  # (group, channel) -> the values that are clips
        for key, values in seen.items():
            v = np.concatenate(values)
            ends[key] = [] if not v.size else [
                e for e, clip in zip((v.min(), v.max()), clipped_ends(v, CLIPPED), strict=True)
                if clip]
        clipped = any(ends.values())
        return choose_mix([(x, blind, std, cut, _clear(blind, std, [ends[group, c] for c in
                                                                     range(x.shape[0])]))
                           for x, blind, std, cut, group in found])

    chosen = on_cpu_after(choose, net, "whether mixing in a blurred input helps")
    if chosen is None:
        return None
    model.noise_curve = curve.model_copy(update={
        "mix": chosen.share, "mix_blur": chosen.sigma, "mix_guard": chosen.guard,
        "blur_mode": mode})
    model.record.output_mix = {
        **chosen.summary(), **({"clipped": 1.0} if clipped else {}),
        **{f"{k}@{s:g}": round(v, 5) for s, share, gain in chosen.tried
           for k, v in (("share", share), ("gain", gain))}}
    if chosen.share:
        log.info("%.0f %% of the input blurred by %.2g px is mixed into the output (estimated "
                 "error %.1f %% lower, standard error %.1f %%)", 100 * chosen.share,
                 chosen.sigma, 100 * chosen.gain, 100 * chosen.stderr)
    return chosen


def _clear(blind: np.ndarray, std: np.ndarray, ends: list[list[float]]) -> np.ndarray:
    """Which pixels of a C x h x w window lie more than `CLEAR` noise stds from their channel's
    clipped values (`ends`, per channel), judged on the masked output `blind` (and `std`, the
    noise std there), which does not depend on the pixel's own value, so the estimate still
    holds."""
    out = np.ones(blind.shape, bool)
    for c, values in enumerate(ends):
        for v in values:
            out[c] &= np.abs(blind[c] - v) > CLEAR * std[c]
    return out
