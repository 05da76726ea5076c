"""dims="auto" reads how much neighbouring planes share their signal. A fill shared by every
plane (a stitched mosaic's 0, a registration's padding) made planes that share nothing read as
sharing three quarters of their signal, and a 3-D model was chosen for them."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.axes import plane_view
from napari_sdap.model.volume import plane_correlation


def _blobs(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:128, 0:128]
    out = np.full((128, 128), 100.0)
    for _ in range(12):
        cy, cx, r = rng.uniform(0, 128), rng.uniform(0, 128), rng.uniform(3, 9)
        out += 300 * rng.uniform(0.3, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return out


def _stack(shared: bool) -> np.ndarray:
    rng = np.random.default_rng(0)
    planes = [_blobs(0 if shared else s + 20) for s in range(10)]
    return (np.stack(planes) + rng.normal(0, 10, (10, 128, 128))).astype(np.float32)


def _read(stack):
    return plane_correlation(stack, plane_view(stack.shape, "ZYX"), 0)


@pytest.mark.parametrize("shared", [False, True])
def test_a_shared_fill_does_not_decide(shared):
    stack = _stack(shared)
    plain = _read(stack)
    stack[:, :, 80:] = 0
    filled = _read(stack)
    assert (filled > 0.5) == shared and (plain > 0.5) == shared
    assert filled == pytest.approx(plain, abs=0.15)


def test_without_a_fill_the_reading_is_the_plain_ratio():
    stack = _stack(False)
    value = _read(stack)
    rng = np.random.default_rng(0)
    along, inside = [], []
    for _ in range(8):
        z = int(rng.integers(9))
        a, b = (stack[z + k].astype(np.float64) for k in (0, 1))
        a, b = a - a.mean(), b - b.mean()
        along.append((a * b).mean())
        inside.append(np.mean([(p[:, 2:] * p[:, :-2]).mean() + (p[2:] * p[:-2]).mean()
                               for p in (a, b)]) / 2)
    assert value == pytest.approx(np.mean(along) / np.mean(inside), rel=1e-9)
