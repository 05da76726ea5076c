"""`TrainProgress.eta_s` counts the student's distillation still to come, as `steps` does.

The teacher stage's records said the seconds left of the teacher alone: "teacher step 10/70
... ~0 s left" (napari's status line, the README's loop) with the whole distillation still to
run (7 s of a 15 s training on a 96 x 96 image).
"""

from __future__ import annotations

import numpy as np

import napari_sdap

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "device": "cpu", "steps": 6}


def _noisy() -> np.ndarray:
    rng = np.random.default_rng(0)
    _, xx = np.mgrid[:48, :48]
    return (0.5 + 0.3 * np.sin(xx / 5.0) + rng.normal(0, 0.1, (48, 48))).astype(np.float32)


def _last_teacher(**settings):
    recs = list(napari_sdap.iter_train(_noisy(), "YX", **TINY, **settings))
    return [r for r in recs if r.stage == "teacher"][-1], recs


def test_the_teacher_s_last_step_leaves_the_student_s_time():
    last, recs = _last_teacher(student=True, student_steps=40, student_check=False)
    assert last.steps == 46 and last.step == 6
    assert last.eta_s >= 0.99 * 40 / last.steps_per_s > 0  # (was 0: the teacher's own time)
    assert recs[-1].eta_s == 0


def test_without_a_student_it_is_the_teacher_s_own():
    last, _ = _last_teacher(student=False)
    assert last.eta_s == 0


def test_a_time_budget_bounds_it():
    _, recs = _last_teacher(student=True, student_steps=100_000, student_check=False,
                            time_budget=3.0)
    assert all(r.eta_s <= 3.0 for r in recs if r.stage == "teacher")
