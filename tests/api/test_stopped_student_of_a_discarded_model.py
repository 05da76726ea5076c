"""Ctrl-C during the student's distillation in `napari-sdap train` (or `train()` on a new
model): the model is thrown away (`iter_train(finish_stopped=False)`), yet its student was
judged and a warning said "the student's distillation stopped after 81 of its 500 steps ...:
the blind-spot network denoises; train on (model=, or Continue) to distil one", of a model
nothing would use, beside "nothing incomplete was left behind". Nothing is said of it now;
a model the caller keeps is told as before."""

from __future__ import annotations

import logging

import pytest
from synthetic import noisy_sine

import napari_sdap
import napari_sdap.api.distillation as distillation

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "steps": 3, "student_steps": 40, "student_width": 8, "device": "cpu"}


@pytest.fixture
def ctrl_c_in_student(monkeypatch):
    """Ctrl-C lands inside the student's 5th step (in the distillation's own frame)."""
    real = distillation.run_distillation

    def interrupted(*args, **kwargs):
        for k, rec in enumerate(real(*args, **kwargs)):
            if k == 4:
                raise KeyboardInterrupt
            yield rec

    monkeypatch.setattr(distillation, "run_distillation", interrupted)


def _stopped_words(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "distillation stopped" in r.getMessage()]


def test_ctrl_c_in_the_student_of_a_lost_model_says_nothing_of_it(ctrl_c_in_student, caplog):
    caplog.set_level(logging.WARNING)
    gen = napari_sdap.iter_train(noisy_sine(), finish_stopped=False, **SETTINGS)
    with pytest.raises(KeyboardInterrupt):
        for _ in gen:
            pass
    assert _stopped_words(caplog) == []


def test_closing_a_lost_model_in_its_student_says_nothing_of_it(caplog):
    caplog.set_level(logging.WARNING)
    gen = napari_sdap.iter_train(noisy_sine(), finish_stopped=False, **SETTINGS)
    for rec in gen:
        if rec.stage == "student" and rec.step >= 6:
            break
    gen.close()
    assert _stopped_words(caplog) == []


def test_a_kept_model_stopped_in_its_student_is_told(ctrl_c_in_student, caplog):
    caplog.set_level(logging.WARNING)
    gen = napari_sdap.iter_train(noisy_sine(), **SETTINGS)
    last = None
    with pytest.raises(KeyboardInterrupt):
        for rec in gen:
            last = rec
    assert len(_stopped_words(caplog)) == 1 and last.model.student is None
