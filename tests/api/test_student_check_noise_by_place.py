"""The student check reads the noise by place for near-Gaussian noise only (`judge`)."""

from __future__ import annotations

import pytest
import torch
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.api import student_judge
from napari_sdap.api.inputs import prepare_all
from napari_sdap.model.student import StudentNet


@pytest.fixture(scope="module")
def model() -> napari_sdap.SDAPModel:
    return napari_sdap.train(noisy_sine(64), "YX", preset="fast", steps=3, device="cpu",
                             seed=0, stride=1, student=False)


@pytest.mark.parametrize(("skew", "local"), [(0.05, True), (-0.2, True), (2.4, False),
                                             (None, False)])
def test_the_local_reading_follows_the_noise_kind(model, monkeypatch, skew, local) -> None:
    asked = []
    inner = student_judge.compare

    def spy(*args, **kwargs):
        asked.append(kwargs.get("local"))
        return inner(*args, **kwargs)

    monkeypatch.setattr(student_judge, "compare", spy)
    noise = None if skew is None else {**(model.record.noise or {}), "skew": skew}
    monkeypatch.setattr(model.record, "noise", noise)
    image = noisy_sine(64)
    sources = [(q.array, q.view) for q in prepare_all([image], "YX")]
    student = StudentNet(1, 8)  # (untrained: the check runs all the same)
    got = student_judge.judge(model, student, sources, torch.device("cpu"))
    assert got is not None and asked == [local]
