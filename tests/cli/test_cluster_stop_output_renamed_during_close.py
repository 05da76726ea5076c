"""`--workers --overwrite` stopped (Ctrl-C, SIGTERM from a job's wall time) while workers ran.

Closing the local cluster lets the tasks that run finish (a few seconds): a worker renamed its
new output into place after the run had marked the file stopped and, the old output still
being there at that moment, had brought the old output's record entry back. The record then
called the new output (other settings) the old one: the original command run again skipped it
as "finished in an earlier run", leaving a folder of mixed settings. Files are now marked once
the cluster is closed. The cluster is played here (`connect`, `run_on_cluster`); the files are
denoised for real.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.cluster as cluster
from napari_sdap.cli import main
from napari_sdap.cli.jobs import denoise_file

RUNNING: list = []


@contextmanager
def _connect_finishing_running_tasks(scheduler, workers):
    try:
        yield SimpleNamespace(scheduler=SimpleNamespace(address="tcp://fake:1"),
                              dashboard_link="-"), 2
    finally:  # closing the cluster: the task still running ends and renames its output
        for task in RUNNING:
            denoise_file(task)


def _stopped_with_one_running(client, jobs, threshold, workers, on_start, on_done, **kwargs):
    for task, _, _ in jobs:
        on_start(task, 1)
    first, second = jobs[0][0], jobs[1][0]
    on_done(first, denoise_file(first), None)
    RUNNING[:] = [second]
    raise KeyboardInterrupt  # SIGTERM: the others are cancelled, `second` runs on


def test_an_output_renamed_while_the_cluster_closed_is_not_called_the_old_one(
        stacks, model_file, tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["denoise", str(stacks[0].parent), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1", "--quiet"]
    assert main(args) == 0
    before = {p.name: tifffile.imread(p) for p in out.glob("*.tif")}
    monkeypatch.setattr(cluster, "connect", _connect_finishing_running_tasks)
    monkeypatch.setattr(cluster, "run_on_cluster", _stopped_with_one_running)
    assert main([*args, "--no-detail", "--overwrite", "--workers", "2"]) == 130
    renamed = RUNNING[0].output
    record = json.loads((out / "sdap_run.json").read_text())["files"]
    name = renamed.rsplit("/", 1)[-1]
    assert not np.array_equal(tifffile.imread(renamed), before[name])  # the new output is there
    assert record[name]["status"] != "done"  # and is not called the old one
    monkeypatch.undo()
    assert main(args) == 1  # the original command: the file finished with the other settings
    # is out of date (refused), the one renamed during the close is redone, not skipped
    np.testing.assert_array_equal(tifffile.imread(renamed), before[name])
    record = json.loads((out / "sdap_run.json").read_text())["files"]
    assert record[name]["status"] == "done"
