"""`info` on a model trained before each training call was recorded (`record.runs`, 6 December
2026: every model saved before) and trained on since: its one recorded call was not listed
(a list needs two), so `training 13 steps (config 3)` stood alone, as if 10 steps had never
been trained. The earlier steps get a line of their own, before the calls recorded since."""

from __future__ import annotations

from synthetic import noisy_sine

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "student": False, "device": "cpu"}


def _info(model, tmp_path, capsys) -> list[str]:
    path = model.save(tmp_path / f"m{len(list(tmp_path.iterdir()))}.safetensors")
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_steps_before_the_record_of_calls_are_listed(tmp_path, capsys):
    model = napari_sdap.train(noisy_sine(), "YX", steps=3, **TINY)
    model.record.runs = []  # (as saved before the field)
    napari_sdap.train(noisy_sine(seed=1), "YX", model=model, steps=2)
    assert model.record.steps == 5 and len(model.record.runs) == 1
    lines = _info(model, tmp_path, capsys)
    at = next(k for k, line in enumerate(lines) if line.startswith("runs"))
    assert lines[at].startswith("runs      3 steps trained before napari-sdap recorded each")
    assert lines[at + 1].strip().startswith("1: 2 steps")


def test_a_model_trained_once_lists_no_runs(tmp_path, capsys):
    model = napari_sdap.train(noisy_sine(), "YX", steps=3, **TINY)
    assert not [line for line in _info(model, tmp_path, capsys) if line.startswith("runs")]
    model.record.runs = []  # (saved before the field, never trained on since)
    assert not [line for line in _info(model, tmp_path, capsys) if line.startswith("runs")]
