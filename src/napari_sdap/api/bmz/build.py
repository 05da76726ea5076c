"""The computed parts of a bioimage.io package: the one-graph module, its weights, the test
tensors and the cover image."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from napari_sdap.api.bmz.architecture import SDAPDenoiser
from napari_sdap.api.inputs import check_fits, prepare_for
from napari_sdap.errors import InputError
from napari_sdap.infer.passes import halo
from napari_sdap.infer.planes import min_size
from napari_sdap.infer.tiling import alignment
from napari_sdap.infer.whiten import extra_halo

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["TEST_EDGE", "Exported", "check_exportable", "denoiser", "output_halo", "test_tensors",
           "write_cover", "write_weights"]

TEST_EDGE = 256
"""Largest side of the test tensors (a centred crop of the sample)."""


class Exported:
    """What the export computes for one model and mode (kept together for the description)."""

    def __init__(self, model: SDAPModel, mode: str) -> None:
        self.model, self.mode = model, mode
        self.module, self.kwargs = denoiser(model, mode)
        self.step = alignment(mode, model.config.inference.pd_stride)
        self.halo = output_halo(model, mode)
        smallest = max(min_size(mode, model.config.inference.pd_stride), 2 * self.halo + 1)
        self.min = -(-smallest // self.step) * self.step
        """Smallest tile edge: napari-sdap's minimum, and more than twice the halo (as
        bioimage.io asks), rounded up to the step."""
        self.channels = model.config.network.in_channels * self.kwargs["groups"]


def check_exportable(model: SDAPModel) -> None:
    """Refuse models that a package cannot describe: untrained, 3-D (teacher and student alike:
    a package takes one plane, a 3-D model reads its neighbours too), or with channels that
    are neither joint (one normalisation) nor independent (one network channel)."""
    if model.normalization is None or model.record.steps == 0:
        raise InputError("this model is untrained (no normalisation yet); train it first, "
                         "e.g. napari_sdap.train(image, model=model), then export it")
    n = model.config.network
    if n.dims == 3:
        raise InputError(
            f"this is a 3-D model (network.dims=3, along {n.along}): it denoises each plane "
            f"together with its neighbouring planes, but a bioimage.io package of napari-sdap "
            f"takes one plane (batch, channel, y, x) at a time, so 3-D models (and their "
            f"students) cannot be exported; denoise the stacks with napari-sdap, or train a "
            f"2-D model (dims=2) to export")
    groups, joint = len(model.normalization.low), model.config.network.in_channels
    if groups > 1 and joint > 1:
        raise InputError(f"this model has {joint} joint network channels and {groups} "
                         f"independent normalisations; a bioimage.io input has one channel axis, "
                         f"so only one of the two can be above 1: retrain with channel_mode "
                         f"'joint' or 'independent'")


def denoiser(model: SDAPModel, mode: str) -> tuple[SDAPDenoiser, dict[str, Any]]:
    """The whole inference of `model` in `mode` (a resolved mode) as one module, with the
    keyword arguments that rebuild it from `architecture.py`."""
    norm = model.normalization
    if norm is None:
        raise InputError("this model is untrained; train it first, then export it")
    groups = len(norm.low)
    net = model.net(mode)
    kwargs: dict[str, Any] = {
        "mode": mode, "channels": model.config.network.in_channels, "groups": groups,
        "low": [norm.scale(g)[0] for g in range(groups)],
        "scale": [norm.scale(g)[1] for g in range(groups)],
        "pd_stride": model.config.inference.pd_stride,
    }
    if mode == "student":
        kwargs.update(width=int(net.width), dilations=[int(d) for d in net.dilations])
    else:
        kwargs.update(width=int(net.width), blocks=int(net.blocks))
    refine = model.refine(None, mode)
    if refine is not None:
        levels, variance = refine.curve.tensors(list(range(groups)), torch.device("cpu"))
        kwargs.update(levels=levels.tolist(), variance=variance.tolist(),
                      threshold=float(refine.curve.threshold), detail=bool(refine.detail),
                      strength=float(refine.curve.strength), blur=float(refine.blur),
                      mix=float(refine.mix), mix_blur=float(refine.mix_blur),
                      mix_guard=float(refine.mix_guard),
                      colour_blur=float(refine.colour_blur))
        if refine.curve.offset is not None and refine.calibrate:
            kwargs.update(offset=refine.curve.offset)
    if model.whitening is not None:
        kwargs.update(whiten_axis=model.whitening.axis, whiten_coef=model.whitening.coef)
    module = SDAPDenoiser(**kwargs)
    module.net.load_state_dict(net.state_dict(), strict=True)
    return module.eval(), kwargs


def output_halo(model: SDAPModel, mode: str) -> int:
    """Pixels each side of an output tile that depend on context beyond the tile (any origin)."""
    extra = extra_halo(model.refine(None, mode), model.whitening)
    return halo(int(model.net(mode).radius), mode, model.config.inference.pd_stride) + extra


def test_tensors(model: SDAPModel, sample: Any, axes: str | None, ex: Exported
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(input, output) of the package test: a centred plane crop of `sample` (channel, y, x,
    at most `TEST_EDGE` a side or the package's smallest tile, a multiple of its step) and
    napari-sdap's own denoising of it, both float32 with a leading batch axis."""
    with prepare_for(model, sample, axes) as image:
        return _test_tensors(model, image.array, image.view, ex)


def _test_tensors(model: SDAPModel, array: Any, view: Any, ex: Exported
                  ) -> tuple[np.ndarray, np.ndarray]:
    from napari_sdap.infer.planes import check_min_size

    check_fits(model, view)
    mode, step = ex.mode, ex.step
    check_min_size(view, mode, model.config.inference.pd_stride)
    if min(view.height, view.width) < ex.min:
        raise InputError(
            f"the sample's planes ({view.height}x{view.width}) are smaller than the package's "
            f"smallest tile, {ex.min}x{ex.min} (more than twice the {ex.halo}-pixel halo, as "
            f"bioimage.io requires); give a larger sample image")
    index: list[Any] = []
    for letter, size in zip(view.axes, view.shape, strict=True):
        if letter in "YX":
            edge = min(int(size), max(TEST_EDGE, ex.min)) // step * step
            start = (int(size) - edge) // 2
            index.append(slice(start, start + edge))
        else:
            index.append(slice(None) if letter == "C" else int(size) // 2)
    crop = np.asarray(array[tuple(index)], dtype=np.float32)
    kept = "".join(a for a in view.axes if a in "CYX")
    out = model.denoise(crop, kept, mode=mode, device="cpu", flips=1)  # one pass, as the package
    out = np.asarray(out, dtype=np.float32)
    order = [kept.index(a) for a in "CYX" if a in kept]
    crop, out = crop.transpose(order), out.transpose(order)
    if "C" not in kept:
        crop, out = crop[None], out[None]
    return np.ascontiguousarray(crop[None]), np.ascontiguousarray(out[None])


def _display(plane: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scaled = (plane - lo) / (hi - lo) if hi > lo else np.zeros_like(plane)
    return (np.clip(scaled, 0.0, 1.0) * 255).round().astype(np.uint8)


def write_cover(noisy: np.ndarray, denoised: np.ndarray, path: Path) -> Path:
    """Noisy | denoised side by side (PNG, one intensity scale for both); RGB for 3 channels,
    else the first channel."""
    from PIL import Image

    def planes(t: np.ndarray) -> np.ndarray:
        c = t[0]
        return np.moveaxis(c, 0, -1) if c.shape[0] == 3 else c[0]

    a, b = planes(noisy), planes(denoised)
    lo, hi = (float(v) for v in np.percentile(a, [0.5, 99.5]))
    gap = np.full((a.shape[0], max(2, a.shape[1] // 64), *a.shape[2:]), 255, np.uint8)
    side = np.concatenate([_display(a, lo, hi), gap, _display(b, lo, hi)], axis=1)
    Image.fromarray(side).save(path)
    return path


def write_weights(module: SDAPDenoiser, folder: Path) -> tuple[Path, Path]:
    """(TorchScript file, state-dict file) of `module` in `folder`."""
    scripted = torch.jit.script(module)
    ts = folder / "sdap_torchscript.pt"
    scripted.save(str(ts))
    sd = folder / "sdap_state_dict.pt"
    torch.save(module.state_dict(), sd)
    return ts, sd
