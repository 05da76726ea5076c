"""A file whose worker process died (out of memory, kill -9) is reported in words that say so.

Regression: dask's `KilledWorker` text was printed as it is ("Attempted to run task
'sdap-f5_sdap.tif-9bddac1b' on 1 different workers ... Inspecting worker logs is often a good
next step"), while `--workers` silences the local workers' logs and the usual cause, the
system's out-of-memory killer, went unnamed.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)
from extras import needs

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main

needs("distributed", "distributed")


def test_a_file_whose_worker_died_names_memory_and_the_rerun(stacks, model_file, tmp_path,
                                                              monkeypatch, capsys):
    from distributed.scheduler import KilledWorker

    out = tmp_path / "out"
    real = denoise_cmd.denoise_file

    def worker_died(task, progress=None):
        if "cell1" in task.input:
            raise KilledWorker("sdap-cell1_sdap.tif-0a1b2c3d",
                               SimpleNamespace(address="tcp://127.0.0.1:33519"), 3)
        return real(task, progress)

    monkeypatch.setattr(denoise_cmd, "denoise_file", worker_died)
    code = main(["denoise", str(stacks[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--threads", "1", "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "cell1.tif" in x)
    assert "worker process denoising it died (4 time(s)" in line
    assert "lack of memory" in line and "run the same command again" in line
    assert "--workers" in line
    assert "Inspecting worker logs" not in err and "KilledWorker" not in err
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["cell1_sdap.tif"]
    assert entry["status"] == "failed" and "lack of memory" in entry["error"]
