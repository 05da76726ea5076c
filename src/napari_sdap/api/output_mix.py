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
from napari_sdap.api.target_blur import checkable, on_cpu_after, sampled_windows
from napari_sdap.infer.clipping import clipped_ends
from napari_sdap.infer.gaussian import blur_radius
from napari_sdap.infer.mixing import SIGMAS, Mix, choose_mix, masked_output
from napari_sdap.infer.offset import CLIPPED
from napari_sdap.infer.refine import noise_std
from napari_sdap.infer.smoothing import inside
from napari_sdap.infer.targets import teacher
from napari_sdap.infer.tiling import exact_halo

__all__ = ["MIX_PIXELS", "output_mix"]

log = logging.getLogger(__name__)

MIX_PIXELS = 2**17
"""Output pixels per channel group the estimate reads (`mixing.GRID`² passes of the default
mode's network), in tiles of up to 256 x 256 (`target_blur.sampled_windows`)."""
_SEED = 32_452_843


def output_mix(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device
               ) -> Mix | None:
    """Choose the mix of the model's default output with its blurred input on `sources` and
    store it in its noise curve (`NoiseCurve.mix`, `mix_blur`; 0: none) and record
    (`record.output_mix`: the choice, its estimated gain, and each blur's best share and gain);
    None, and no mix, where it is not chosen (not a 2-D stride-1 model with a noise curve,
    or the estimate failed). Clipped data (a channel's sampled pixels piled up at its lowest
    or highest value, as for the bias correction, `offset.CLIPPED`) get none: there the
    noise's mean is not zero, the estimate aims at the clipped mean, and on clipped 8-bit
    proxies it chose a mix that cost 0.13 dB (`record.output_mix["clipped"]` is 1)."""
    curve = model.noise_curve
    if curve is None or not checkable(model):
        return None
    cfg = model.config
    mode = model.resolve_mode("auto")
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
            found.append((x, blind, std.double().numpy(), cut))
            for c in range(x.shape[0]):
                seen.setdefault((group, c), []).append(x[c][cut].ravel())
        clipped = any(any(clipped_ends(np.concatenate(v), CLIPPED)) for v in seen.values())
        return Mix(0.0, 0.0, 0.0, 0.0, 0) if clipped else choose_mix(found)

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
