"""The share of the noisy input given back to an output estimated worse than the input
(`infer.give_back`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.infer.give_back import ERRORS, GiveBack, choose_give_back


def _terms(r: float, q: float, noise: float = 0.0, seed: int = 0, shape=(1, 64, 64)):
    """One window whose residual is `r` and whose ``C_ii - (J C)_ii`` is `q` everywhere,
    plus noise of std `noise` on the residual."""
    rng = np.random.default_rng(seed)
    resid = r + noise * rng.standard_normal(shape)
    return [(resid, np.full(shape, q), np.ones(shape, bool))]


def test_the_share_is_twice_the_best_share_less_one():
    """R = sum(r**2) = N, S = sum(q) = 0.2 N: the best share 0.8, the share given 0.6, and the
    gain its exact change of the risk (in units of the noise variance)."""
    got = choose_give_back(_terms(1.0, 0.2), variance=0.5)
    assert got is not None and got.best == pytest.approx(0.8)
    assert got.share == pytest.approx(0.6)
    change = ((1 - 0.6) ** 2 - 1) * 1.0 + 2 * 0.6 * 0.2
    assert got.gain == pytest.approx(-change / 0.5)
    assert got.stderr == pytest.approx(0.0, abs=1e-9) and got.pixels == 64 * 64
    assert got.summary() == {"give_back": got.share, "best_share": 0.8, "gain": round(got.gain, 5),
                             "gain_se": 0.0, "pixels": 4096}


@pytest.mark.parametrize("q", [0.5, 0.7, 1.2])
def test_an_output_no_worse_than_its_input_gets_none(q):
    """S >= R / 2: the estimate finds the output at least as good as the input."""
    got = choose_give_back(_terms(1.0, q), variance=1.0)
    assert got is not None and got.share == 0.0 and got.gain == 0.0
    assert got.best == pytest.approx(1 - q)


def test_a_gain_within_its_standard_errors_gives_none():
    """Best share 0.52, the whole residual in one of four 16² blocks: the gain at share 0.04
    rests on one block and is not significant."""
    shape = (1, 32, 32)
    resid = np.zeros(shape)
    resid[:, :16, :16] = 2.0  # R = 1024 over 1024 pixels
    got = choose_give_back([(resid, np.full(shape, 0.48), np.ones(shape, bool))], variance=1.0)
    assert got is not None and got.best == pytest.approx(0.52)
    assert got.share == 0.0 and 0 < got.gain < ERRORS * got.stderr


def test_the_share_never_overshoots_when_the_noise_is_read_at_least_half():
    """Reading the noise k times its true variance scales S by k: for k >= 1/2 the share given
    stays at or below the true best share, so the error falls; below 1/2 it may overshoot."""
    for true_best in (0.2, 0.5, 0.7, 0.95):
        spare = 1.0 - true_best  # S / R with the true variance
        for k in (0.5, 0.61, 1.0, 1.44):
            got = choose_give_back(_terms(1.0, k * spare), variance=1.0)
            assert got is not None and got.share <= true_best + 1e-9
    got = choose_give_back(_terms(1.0, 0.3 * 0.5), variance=1.0)  # k = 0.3, best 0.5
    assert got is not None and got.share > 0.5


def test_no_counted_pixel_gives_no_estimate():
    shape = (1, 16, 16)
    assert choose_give_back([(np.ones(shape), np.zeros(shape), np.zeros(shape, bool))],
                            variance=1.0) is None
    assert choose_give_back([], variance=1.0) is None
    assert isinstance(choose_give_back(_terms(1.0, 0.1), 1.0), GiveBack)
