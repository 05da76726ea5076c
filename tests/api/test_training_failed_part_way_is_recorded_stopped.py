"""A training call that an error ends part-way (an exception thrown into its loop, out of
memory) is recorded as stopped: its record said its steps were done (`stopped=False`)."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap


class _Failure(Exception):
    pass


def test_an_error_thrown_in_marks_the_call_stopped() -> None:
    img = np.random.default_rng(0).normal(100, 10, (64, 64)).astype(np.float32)
    model = napari_sdap.create_model("tiny", steps=50, student=False)
    loop = napari_sdap.iter_train(img, "YX", model=model, device="cpu")
    for i, _ in enumerate(loop):
        if i == 3:
            with pytest.raises(_Failure):
                loop.throw(_Failure("out of memory"))
            break
    run = model.record.runs[-1]
    assert 0 < run.steps < 50
    assert run.stopped


def test_a_finished_call_is_not_stopped() -> None:
    img = np.random.default_rng(1).normal(100, 10, (64, 64)).astype(np.float32)
    model = napari_sdap.train(img, "YX", preset="tiny", steps=3, device="cpu", student=False)
    assert not model.record.runs[-1].stopped
