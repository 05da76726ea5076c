"""A split file that failed in one piece while another piece still ran (`--workers`).

Cancelling a dask task does not stop it once it runs: the piece still running wrote on into
the file's hidden scratch zarr after the failure had removed it, so a run that ended
"failed: ... 1 failed" left `.<name>.parts.zarr` in the output folder until the next run. The
temporaries of every file are removed once the cluster is closed. The cluster is played here
(`connect`, `run_on_cluster`), the files are denoised for real.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.cluster as cluster
from napari_sdap.cli import main
from napari_sdap.cli.jobs import denoise_file
from napari_sdap.errors import InputError


@contextmanager
def _fake_connect(scheduler, workers):
    yield SimpleNamespace(scheduler=SimpleNamespace(address="tcp://fake:1"),
                          dashboard_link="-"), 2


def _pieces_write_on(client, jobs, threshold, workers, on_start, on_done, **kwargs):
    for task, _, _ in jobs:
        on_start(task, 2)
        if "cell1" not in task.input:
            on_done(task, denoise_file(task), None)
            continue
        on_done(task, None, InputError("could not read plane 0 of the image: the file is "
                                       "probably truncated or corrupted"))
        out = Path(task.output)  # the other piece, still running, writes its planes now
        late = out.parent / f".{out.name}.parts.zarr" / "c" / "1" / "0" / "0"
        late.mkdir(parents=True)
        (late / "0").write_bytes(b"\0" * 64)
        (out.parent / f".{out.name}.partial-dead0000").write_bytes(b"")  # and a cancelled task


def test_a_piece_that_wrote_on_after_its_file_failed_leaves_nothing(stacks, model_file, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(cluster, "connect", _fake_connect)
    monkeypatch.setattr(cluster, "run_on_cluster", _pieces_write_on)
    out = tmp_path / "out"
    code = main(["denoise", str(stacks[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--threads", "1", "--workers", "2", "--quiet"])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["cell0_sdap.tif", "cell2_sdap.tif",
                                                     "sdap_run.json"]
