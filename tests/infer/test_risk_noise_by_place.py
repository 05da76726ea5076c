"""The student check where the noise differs between parts of the image at the same intensity:
the curve by intensity reads one mean, and the local scale (`compare(local=True)`) puts each
part's own noise back."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.risk import compare, held_out
from napari_sdap.infer.stream import Engine
from napari_sdap.infer.tiling import Tile

EDGE = 256
QUIET, LOUD = 0.01, 0.08


R = 4


class Blend(nn.Module):
    """``a * x + (1 - a) * mean of the 9 x 9 pixels around, the pixel left out`` (a = 0: a
    blind-spot "teacher" whose residual is nearly white, as a trained network's)."""

    def __init__(self, a: float) -> None:
        super().__init__()
        k = torch.ones(1, 1, 2 * R + 1, 2 * R + 1)
        k[..., R, R] = 0.0
        self.register_buffer("kernel", k / k.sum())
        self.a, self.radius = a, R

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = F.conv2d(F.pad(x, (R,) * 4, mode="replicate"), self.kernel)
        return self.a * x + (1 - self.a) * mean


def _halves() -> tuple[np.ndarray, np.ndarray]:
    """A smooth image, its left half with noise std `QUIET`, its right half `LOUD`."""
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.1 * np.sin(xx / 23.0) * np.cos(yy / 29.0)).astype(np.float32)
    std = np.where(xx < EDGE // 2, QUIET, LOUD)
    noisy = clean + np.random.default_rng(0).normal(0, 1, clean.shape) * std
    return clean, noisy.astype(np.float32)


def _mse(net: nn.Module, noisy: np.ndarray, clean: np.ndarray, mask: np.ndarray) -> float:
    with torch.no_grad():
        out = net(torch.from_numpy(noisy)[None, None])[0, 0].numpy()
    return float(((out - clean)[mask] ** 2).mean())


@pytest.mark.parametrize("a", [0.3, 0.6])
def test_the_local_scale_reads_each_half_its_own_noise(a: float) -> None:
    clean, noisy = _halves()
    teacher, student = Blend(0.0), Blend(a)
    mean_var = (QUIET**2 + LOUD**2) / 2
    curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[mean_var, mean_var]]])
    engine = Engine(teacher, torch.device("cpu"), "bsn", 1, compile=False,
                    refine=Refine(curve, detail=False))
    whole = slice(0, EDGE)
    mask = held_out(0, 0, whole, whole)
    tile = Tile(0, whole, whole, whole, whole)

    def estimate(local: bool) -> float:
        got = compare(engine, student, curve, False, [(noisy[None], 0, tile, mask)],
                      local=local)
        return got.student - got.teacher

    true = _mse(student, noisy, clean, mask) - _mse(teacher, noisy, clean, mask)
    by_place, by_intensity = estimate(True), estimate(False)
    # the student copies a share of each pixel's noise: worse than its blind teacher; read by
    # intensity alone, the loud half's noise counts as the quiet half's and it looks better
    assert true > 0 and by_place > 0 and by_intensity < 0
    assert abs(by_place - true) < abs(by_intensity - true) / 3
