"""`--workers` where the local worker processes cannot start (dask's temporary directory
read-only, full or not a folder: an HPC configuration's node scratch) ended in "unexpected
error (RuntimeError: Cluster failed to start: ...)", exit code 1, asking to report it. It is
one line naming the directory and what to do, exit code 2, and the run is recorded `failed`."""

from __future__ import annotations

import json
from pathlib import Path

import dask
import distributed  # noqa: F401 (its defaults in dask's config before the test sets one)
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


def test_a_scratch_directory_that_cannot_be_made(stacks, model_file, tmp_path: Path,
                                                 capsys) -> None:
    blocker = tmp_path / "scratch"
    blocker.write_text("a file where dask makes its scratch folder")
    out = tmp_path / "out"
    with dask.config.set({"temporary-directory": str(blocker / "dask")}):
        code = main(["denoise", str(stacks[0]), "--model", str(model_file), "-o", str(out),
                     "--workers", "1", "--device", "cpu"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert err[-1].startswith("error: could not start 1 local worker process(es)")
    assert str(blocker / "dask") in err[-1] and "run without --workers" in err[-1]
    assert "unexpected" not in err[-1]
    record = json.loads((out / "sdap_run.json").read_text())
    assert record["runs"][-1]["status"] == "failed"
