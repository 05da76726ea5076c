"""A student dropped after a `time_budget` cut its steps names the budget as the fix.

With `time_budget=2` (`fast`, 96 x 96) the student ran 6 of its 500 steps and was dropped as
"worse than the blind-spot network" with no fix named, or "stays 75 % of the noise away ...
train it longer with student_steps=..." where `student_steps` was not what cut it.
"""

from __future__ import annotations

import logging
import re

import numpy as np

import napari_sdap
from napari_sdap.infer.risk import Comparison

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "device": "cpu", "steps": 6, "student_steps": 100_000}


def _image() -> np.ndarray:
    return np.random.default_rng(3).normal(0.5, 0.1, (48, 48)).astype(np.float32)


def _warnings(caplog, **kw) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = napari_sdap.train(_image(), "YX", **{**TINY, **kw})
    assert model.student is None
    return [r.getMessage() for r in caplog.records if "student" in r.getMessage()]


def test_the_worse_student_names_the_budget(monkeypatch, caplog):
    from napari_sdap.api import student_judge

    worse = Comparison(teacher=1e-3, student=5e-3, stderr=1e-5, noise=1e-2, pixels=1000)
    monkeypatch.setattr(student_judge, "compare", lambda *a, **k: worse)
    line = next(w for w in _warnings(caplog, time_budget=0.5) if "is worse than" in w)
    # (both rounds' steps where some of the budget was left for a second round)
    assert re.search(r"of its (100000|200000) steps, as many as fit in the time budget", line)
    assert line.endswith("a larger time_budget (CLI --time-budget) trains it longer")


def test_the_unfaithful_student_names_the_budget(monkeypatch, caplog):
    from napari_sdap.api import distillation

    monkeypatch.setattr(distillation, "fidelity", lambda *a, **k: 0.9)  # (no check: kept if fit)
    line = next(w for w in _warnings(caplog, time_budget=0.5, student_check=False)
                if "noise away" in w)
    assert "student_steps=" not in line and "a larger time_budget" in line


def test_without_a_budget_it_names_the_steps(monkeypatch, caplog):
    from napari_sdap.api import distillation

    monkeypatch.setattr(distillation, "fidelity", lambda *a, **k: 0.9)
    line = next(w for w in _warnings(caplog, student_steps=6, student_check=False)
                if "noise away" in w)
    assert line.endswith("train it longer with student_steps=...")
