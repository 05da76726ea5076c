"""Under a `time_budget`, the student's records say at most the seconds the budget has left.

The teacher's `eta_s` was bounded by the budget, the student's not: with `time_budget=0.3` on a
96 x 96 image (`fast`) the student's first records read "~33 s left" with the budget already
spent (its steps were not yet fitted to it), and the whole call ended 2 s later.
"""

from __future__ import annotations

import time

import numpy as np

import napari_sdap

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "device": "cpu", "steps": 6}


def _noisy() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:48, :48]
    return (0.5 + 0.3 * np.sin(xx / 5.0) + rng.normal(0, 0.1, (48, 48))).astype(np.float32)


def test_the_student_s_eta_is_bounded_by_the_budget():
    budget = 1.0
    t0 = time.perf_counter()
    recs = []
    for rec in napari_sdap.iter_train(_noisy(), "YX", **TINY, student=True,
                                      student_steps=100_000, student_check=False,
                                      time_budget=budget):
        recs.append((rec, time.perf_counter() - t0))
    students = [(r, t) for r, t in recs if r.stage == "student"]
    assert students
    for rec, t in students:  # (was 100_000 steps at the student's speed: minutes)
        assert rec.eta_s <= max(budget - t, 0.0) + 0.05, (rec.step, rec.eta_s, t)
    assert students[-1][0].eta_s == 0


def test_without_a_budget_the_student_s_eta_is_its_own():
    recs = list(napari_sdap.iter_train(_noisy(), "YX", **TINY, student=True, student_steps=12,
                                       student_check=False))
    students = [r for r in recs if r.stage == "student"]
    assert students[0].eta_s > 0 and students[-1].eta_s == 0
