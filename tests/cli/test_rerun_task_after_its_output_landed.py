"""A task run again by dask after its worker died between renaming the output into place and
returning (`kill -9`, a preempted node): the second run found the first run's output.

Regression: it was refused as an output that 'already exists; pass overwrite=True (CLI:
--overwrite)', so a complete output of this very attempt was reported failed, with a fix
naming a file of someone else's. The task now replaces what its own attempt wrote; an output
of anything else is still refused. The rerun is played in one process (the task called twice).
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main


def _run(stacks, model_file, out):
    return main(["denoise", str(stacks[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--threads", "1", "--quiet"])


def test_a_task_run_again_replaces_its_own_attempts_output(stacks, model_file, tmp_path,
                                                           monkeypatch):
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file

    def worker_died_after_rename(task, progress=None):
        if "cell1" in task.input:
            real(task)  # the first worker's run: output in place, then the worker is killed
        return real(task, progress)  # dask runs the task again on another worker

    monkeypatch.setattr(denoise_cmd, "denoise_file", worker_died_after_rename)
    assert _run(stacks, model_file, out) == 0
    record = json.loads((out / "sdap_run.json").read_text())["files"]
    assert all(e["status"] == "done" for e in record.values()) and len(record) == 3


def test_an_output_another_wrote_meanwhile_is_still_refused(stacks, model_file, tmp_path,
                                                            monkeypatch, capsys):
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file

    def someone_elses_file_appears(task, progress=None):
        if "cell1" in task.input:
            Path(task.output).write_bytes(b"not ours")
        return real(task, progress)

    monkeypatch.setattr(denoise_cmd, "denoise_file", someone_elses_file_appears)
    assert _run(stacks, model_file, out) == 1
    assert (out / "cell1_sdap.tif").read_bytes() == b"not ours"
    assert "already exists" in capsys.readouterr().err
