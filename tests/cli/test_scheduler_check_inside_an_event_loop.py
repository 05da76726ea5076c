"""`main` called where an event loop runs (a notebook cell) with `--scheduler`: the check of
the scheduler's address (`scheduler._check_scheduler`) runs `asyncio.run`, which refuses to run
there, and would have refused a working scheduler as one that "did not answer"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import distributed
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


def test_a_scheduler_named_from_inside_an_event_loop(stacks, model_file, tmp_path: Path,
                                                     capsys) -> None:
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        args = ["denoise", str(stacks[0]), "--model", str(model_file), "-o", str(out),
                "--scheduler", cluster.scheduler_address, "--device", "cpu"]

        async def cell() -> int:  # (a notebook runs its cells inside its event loop)
            return main(args)

        code = asyncio.run(cell())
    err = capsys.readouterr().err
    assert code == 0, err
    assert (out / f"{stacks[0].stem}_sdap.tif").is_file()
