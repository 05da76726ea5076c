"""A time budget that fits only a few of the blind-spot network's steps says so, and one spent
before its steps are timed ends the training there.

`train(image, stride=2, time_budget=2)` (`fast`, 96 x 96, 2 CPU threads) trained 8 of 500 steps
and returned, without a word, a model whose output sat at 61 where the input's mean is 100; a
3-D model of 6 steps denoised below its input's PSNR.
"""

from __future__ import annotations

import logging

import numpy as np

import napari_sdap
from napari_sdap.training import loop
from napari_sdap.training.loop import CALIBRATION_STEPS, Budget

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "device": "cpu", "student": False}


class _Clock:
    def __init__(self, step_s: float) -> None:
        self.now, self.step_s = 0.0, step_s

    def __call__(self) -> float:
        return self.now


def _fit(monkeypatch, seconds, steps, step_s, network=True):
    clock = _Clock(step_s)
    monkeypatch.setattr(loop.time, "perf_counter", clock)
    budget = Budget(seconds, steps, network=network)
    total = steps
    i = -1
    while i + 1 < min(total, CALIBRATION_STEPS + 1):  # (as `run_training` goes on)
        i += 1
        clock.now += step_s
        total = budget.after_step(i)
    return total


def test_a_budget_of_few_steps_warns(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        total = _fit(monkeypatch, 3.0, 500, 0.25)  # 6 done in 1.5 s: 6 more fit
    assert total == 12
    line = next(r.getMessage() for r in caplog.records if "time budget fits" in r.getMessage())
    assert line.startswith("the time budget fits 12 of the network's 500 training steps")
    assert "a larger time_budget (CLI --time-budget)" in line


def test_a_budget_of_enough_steps_or_none_is_quiet(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        assert _fit(monkeypatch, 30.0, 100, 0.25) == 100  # (all fit)
        assert _fit(monkeypatch, 10.0, 300, 0.25) == 40  # (13 %)
        assert _fit(monkeypatch, 60.0, 100_000, 0.25) == 240  # (an upper bound: as many as fit)
        assert _fit(monkeypatch, 30.0, 20, 0.25) == 20  # (few given, all fit)
        assert _fit(monkeypatch, None, 500, 0.25) == 500
        assert _fit(monkeypatch, 1.0, 500, 0.25, network=False) == 6  # (the student's)
    assert not [r for r in caplog.records if "time budget fits" in r.getMessage()]


def test_train_stops_and_warns_when_its_budget_is_spent_at_once(caplog):
    image = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = napari_sdap.train(image, "YX", **TINY, time_budget=0.01)
    assert model.record.steps == 1  # (was CALIBRATION_STEPS + 1, whatever a step took)
    assert any("the time budget was spent after 1 of the network's 300 training steps"
               in r.getMessage() for r in caplog.records)


def test_a_budget_spent_by_slow_steps_ends_at_the_step_that_spent_it(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        assert _fit(monkeypatch, 5.0, 1000, 24.0) == 1  # (was 6 steps: 144 s of a 5 s budget)
        assert _fit(monkeypatch, 60.0, 1000, 24.0) == 3  # (over it after the third)
        assert _fit(monkeypatch, 5.0, 1000, 24.0, network=False) == 6  # (cheap steps)
    lines = [r.getMessage() for r in caplog.records if "was spent after" in r.getMessage()]
    assert len(lines) == 2 and "(19.0 s over its share)" in lines[0]
