"""The model line of the panels says whether the fast student denoises, or why not."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import napari_sdap
from napari_sdap._napari.wording import model_text


def _session(model):
    return SimpleNamespace(model=model, training=False, denoising=False, saved=True,
                           source_name=lambda: "cells", describe=lambda: "")


def test_the_model_line_names_the_student_or_the_check_that_dropped_it():
    rng = np.random.default_rng(0)
    image = (0.5 + rng.normal(0, 0.1, (96, 96))).astype(np.float32)
    m = napari_sdap.train(image, "YX", preset="tiny", steps=10, stride=1, width=8, blocks=1,
                          batch_size=2, patch_size=32, student=True, student_steps=60,
                          student_check=False)
    assert m.student is not None and "with fast student" in model_text(_session(m))[0]
    m.student = None  # as the check leaves a student it found worse
    m.record.student_steps = 0
    assert m.record.student_check is not None
    assert "no student (it denoised worse on held-out pixels)" in model_text(_session(m))[0]
