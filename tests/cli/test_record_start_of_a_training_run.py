"""The run record of `denoise --train` made the run's entry after the training (or at its
stop), so its `started` was the time the training ended: a run stopped after hours of training
read as started and ended in the same second. `started` is when the command began."""

from __future__ import annotations

import json
import time
from pathlib import Path

from cli_fixtures import stacks_fixture  # noqa: F401 (fixture)

import napari_sdap.cli.denoise as cli_denoise
from napari_sdap.cli import main


def test_a_run_stopped_in_its_training_records_when_it_started(tmp_path: Path, stacks,
                                                                monkeypatch) -> None:
    def training(*args, **kwargs):
        time.sleep(1.2)  # (the record's times are whole seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_denoise, "prepare_model", training)
    out = tmp_path / "out"
    assert main(["denoise", *map(str, stacks), "--train", "-o", str(out), "--device",
                 "cpu"]) == 130
    run = json.loads((out / "sdap_run.json").read_text())["runs"][-1]
    assert run["status"] == "interrupted" and run["note"].startswith("stopped while")
    assert run["started"] < run["ended"]


def test_a_finished_training_run_records_when_it_started(tmp_path: Path, stacks,
                                                          monkeypatch) -> None:
    real = cli_denoise.prepare_model

    def training(*args, **kwargs):
        time.sleep(1.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_denoise, "prepare_model", training)
    out = tmp_path / "out"
    assert main(["denoise", str(stacks[0]), "--train", "-o", str(out), "--device", "cpu",
                 "--preset", "tiny", "--steps", "2", "--no-student", "--width", "8",
                 "--blocks", "1"]) == 0
    record = json.loads((out / "sdap_run.json").read_text())
    run, (entry,) = record["runs"][-1], record["files"].values()
    assert run["status"] == "finished"
    assert run["started"] < entry["started"]  # (the training, 1.2 s or more, came between)
