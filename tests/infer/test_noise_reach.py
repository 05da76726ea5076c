"""The noise's correlation at the training stride, the gate's start it chooses, and the scale of
the gate's curve where the noise is correlated there (`infer.noise_reach`,
`api.noise_curve.reach_base`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.api.noise_curve import CORRELATED_THRESHOLD, DECORRELATED_THRESHOLD, reach_base
from napari_sdap.infer.correlated import LAGS
from napari_sdap.infer.noise_reach import DECORRELATED, MAX_SCALE, gate_scale, stride_correlation

EDGE = 160


def _box(edge: int, std: float, seed: int) -> np.ndarray:
    """Gaussian noise of std `std` averaged over `edge` x `edge` boxes: correlated up to
    ``edge - 1`` pixels, not at ``edge``."""
    w = np.random.default_rng(seed).normal(0.0, 1.0, (EDGE + edge - 1, EDGE + edge - 1))
    box = sum(w[dy:dy + EDGE, dx:dx + EDGE] for dy in range(edge) for dx in range(edge))
    return (std * box / edge).astype(np.float32)


def _pairs(edge: int, seed: int = 0, std: float = 0.05) -> list[list[tuple]]:
    """One group of two windows: a smooth image plus box noise, and the image as the output."""
    yy, xx = np.mgrid[:EDGE, :EDGE]
    clean = (0.5 + 0.1 * np.sin(xx / 37.0) * np.cos(yy / 41.0)).astype(np.float32)
    return [[((clean + _box(edge, std, seed + k))[None], clean[None]) for k in range(2)]]


@pytest.mark.parametrize(("edge", "stride", "truth"), [(1, 2, 0.0), (2, 2, 0.0), (3, 2, 1 / 3),
                                                       (3, 3, 0.0), (4, 2, 0.5), (4, 3, 0.25)])
def test_reads_the_correlation_at_the_stride(edge: int, stride: int, truth: float) -> None:
    rho = stride_correlation(_pairs(edge), stride)
    assert rho is not None and abs(rho - truth) < 0.05
    assert (rho < DECORRELATED) == (truth == 0.0)


def test_unreadable_beyond_the_kernel_and_without_pixels() -> None:
    assert stride_correlation(_pairs(2), LAGS + 1) is None
    tiny = np.zeros((1, 6, 6), np.float32)
    assert stride_correlation([[(tiny, tiny)]], 2) is None


def test_gate_starts_lower_only_where_the_noise_is_decorrelated() -> None:
    assert reach_base(2)(_pairs(2))[:2] == (DECORRELATED_THRESHOLD, True)
    assert DECORRELATED_THRESHOLD < CORRELATED_THRESHOLD
    assert reach_base(2)(_pairs(3))[:2] == (CORRELATED_THRESHOLD, False)
    assert reach_base(3)(_pairs(3))[:2] == (DECORRELATED_THRESHOLD, True)
    assert reach_base(LAGS + 1)(_pairs(2))[:2] == (CORRELATED_THRESHOLD, False)  # unread: as before


def test_only_noise_correlated_at_the_stride_scales_the_gate() -> None:
    assert not reach_base(2)(_pairs(2)).rescale
    assert reach_base(2)(_pairs(3)).rescale
    assert not reach_base(3)(_pairs(3)).rescale
    assert not reach_base(LAGS + 1)(_pairs(2)).rescale  # unread: as before


def _flat(variance: float) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array([0.3, 0.7]), np.array([variance, variance]))]


def test_gate_scale_reads_a_low_curve_up_to_the_input_and_never_down() -> None:
    std = 0.05  # 3 x 3 box noise: correlated at 2 px, its variance std**2
    pairs = _pairs(3, std=std)[0]
    up = gate_scale(pairs, _flat(0.6 * std**2))
    assert len(up) == 1 and abs(up[0] - 1 / 0.6) < 0.15
    assert gate_scale(pairs, _flat(0.2 * std**2)) == [MAX_SCALE]  # far below: texture, capped
    assert gate_scale(pairs, _flat(2.0 * std**2)) == [1.0]  # reads high: left alone
    tiny = np.zeros((1, 6, 6), np.float32)
    assert gate_scale([(tiny, tiny)], _flat(1.0)) == [1.0]  # unreadable: left alone
