"""`denoise raw/ --model m.safetensors --output out/ --scheduler tcp://head:8786` (the example
of docs/cli.md) sent the workers the paths as typed, relative to the folder the command ran
in; a scheduler's workers run in folders of their own (a dask-jobqueue job's, a home), so
every file failed with "no such file or folder" although the files were on the shared file
system. The workers are sent the paths from the root; the run record keeps them as typed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


def test_relative_paths_reach_workers_started_elsewhere(stacks, model_file, tmp_path,
                                                        monkeypatch) -> None:
    distributed = pytest.importorskip("distributed")
    elsewhere = tmp_path / "worker_home"
    elsewhere.mkdir()
    project = stacks[0].parent.parent
    shutil.copy(model_file, project / "m.safetensors")
    monkeypatch.chdir(elsewhere)  # the worker process starts here, and stays here
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        monkeypatch.chdir(project)
        code = main(["denoise", "raw", "--model", "m.safetensors", "--output", "out",
                     "--scheduler", cluster.scheduler_address, "--device", "cpu",
                     "--threads", "1", "--quiet"])
    assert code == 0
    out = project / "out"
    assert sorted(p.name for p in out.glob("*.tif")) == [f"cell{i}_sdap.tif" for i in range(3)]
    files = json.loads((out / "sdap_run.json").read_text())["files"]
    assert files["cell0_sdap.tif"]["output"] == os.path.join("out", "cell0_sdap.tif")
    assert not list(Path(elsewhere).iterdir())  # nothing written where the worker runs
