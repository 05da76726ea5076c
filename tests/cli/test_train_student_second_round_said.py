"""`train` says when the student's distillation ran a second round.

The plan line named "20 + 60 student steps" and the summary then said "student 120 steps",
with nothing saying why: the held-out check's doubt (a second round of as many steps) is logged
at info level, which the command line does not show.
"""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.api import distillation
from napari_sdap.cli import main

_ARGS = ["--preset", "tiny", "--width", "8", "--blocks", "1", "--batch-size", "2",
         "--patch-size", "32", "--steps", "3", "--device", "cpu"]


def _train(tmp_path, capsys, monkeypatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    tifffile.imwrite("a.tif", rng.poisson(40, (48, 48)).astype(np.float32))
    assert main(["train", "a.tif", "--model", "m.safetensors", *_ARGS]) == 0
    return capsys.readouterr().err.splitlines()


def test_a_second_round_is_named_in_the_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(distillation, "DOUBT", -1e9)  # any checked student is doubted
    monkeypatch.setattr(distillation, "WORSE", 1e9)  # and kept
    lines = _train(tmp_path, capsys, monkeypatch)
    plan = next(x for x in lines if x.startswith("training preset"))
    assert plan.endswith("3 + 60 student steps")
    done = next(x for x in lines if x.startswith("trained "))
    assert "+ student 120 steps (two rounds of up to 60: the held-out check doubted" in done


def test_one_round_is_said_as_before(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(distillation, "DOUBT", 1e9)  # never doubted
    monkeypatch.setattr(distillation, "WORSE", 1e9)
    lines = _train(tmp_path, capsys, monkeypatch)
    done = next(x for x in lines if x.startswith("trained "))
    assert "+ student 60 steps in" in done and "round" not in done
