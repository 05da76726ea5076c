"""Under a `time_budget`, the log line of a doubted student's second round named the
configured steps ("150 more steps") where only what fits in the time left would run; it
says so now."""

from __future__ import annotations

import logging

import numpy as np

import napari_sdap
from napari_sdap.infer.risk import Comparison

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "student_steps": 20, "device": "cpu"}


def _run(monkeypatch, caplog, **kw):
    from napari_sdap.api import student_judge

    doubt = Comparison(teacher=1e-3, student=2e-3, stderr=1e-5, noise=1e-2, pixels=1000)
    monkeypatch.setattr(student_judge, "compare", lambda *a, **k: doubt)
    image = np.random.default_rng(3).normal(0.5, 0.1, (64, 64)).astype(np.float32)
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        napari_sdap.train(image, "YX", steps=4, stride=1, student_check=True, **TINY, **kw)
    return next(r.getMessage() for r in caplog.records
                if "more steps before judging it" in r.getMessage())


def test_the_second_round_says_it_fits_the_time_left(monkeypatch, caplog):
    line = _run(monkeypatch, caplog, time_budget=600)
    assert "20 more steps before judging it (as many as fit in the" in line
    assert line.endswith(" s left)")


def test_without_a_budget_the_line_names_the_steps(monkeypatch, caplog):
    assert _run(monkeypatch, caplog).endswith("20 more steps before judging it")
