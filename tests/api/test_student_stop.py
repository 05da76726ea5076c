"""Stopping during the student's distillation (API, napari Stop): a student stopped before
half of its steps is dropped, as designed, and that is said; training on distils a new one of
the preset's steps (a second round, `DOUBT`, is the only way to more, and is recorded)."""

from __future__ import annotations

import logging

import numpy as np

KW = {"preset": "tiny", "width": 8, "blocks": 1, "student": True, "stride": 1}


def _stopped(image, at):
    from napari_sdap import iter_train

    run = iter_train(image, "YX", steps=3, **KW)
    for rec in run:
        if rec.stage == "student" and rec.step >= 3 + at:
            break
    run.close()
    return rec.model


def test_student_stopped_early_is_dropped_with_a_word(noisy_pair, caplog):
    """Regression: a distillation stopped before half of its steps dropped the student without
    a word (the model then denoised with the teacher)."""
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = _stopped(noisy_pair[1], 3)
    assert model.student is None and model.record.student_steps == 0
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "distillation stopped after 3 of its 60 steps" in text
    assert "blind-spot network denoises" in text and "Continue" in text


def test_training_on_after_the_stop_distils_the_preset_steps(noisy_pair, caplog):
    """The first pass saw "student 120 steps" after Continue: that is the second round of a
    student judged worse on held-out pixels (logged); without it, the preset's 60."""
    from napari_sdap import iter_train

    model = _stopped(noisy_pair[1], 3)
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        stages = [r.stage for r in iter_train(noisy_pair[1], "YX", steps=2, model=model)]
    second = any("more steps before judging it" in r.getMessage() for r in caplog.records)
    student = stages.count("student")
    assert student == (120 if second else 60) == model.record.student_steps
    assert model.student is not None and np.isfinite(model.denoise(noisy_pair[1], "YX")).all()
