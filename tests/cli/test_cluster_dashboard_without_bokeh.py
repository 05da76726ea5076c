"""`denoise --workers` names the dask dashboard only where there is one to watch.

Local workers started without bokeh installed (the `distributed` extra does not bring it) serve
a dashboard whose every page answers 404, yet the run's first line said
`dashboard http://127.0.0.1:8787/status`, "where the work can be watched" (docs/cli.md). The
cluster is played here (`connect`, `run_on_cluster`); the files are denoised for real.
"""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from types import SimpleNamespace

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.cluster as cluster
from napari_sdap.cli import main
from napari_sdap.cli.jobs import denoise_file

_LINK = "http://127.0.0.1:8787/status"


@contextmanager
def _fake_connect(scheduler, workers):
    yield SimpleNamespace(scheduler=SimpleNamespace(address="tcp://fake:1"),
                          dashboard_link=_LINK), 2


def _run_here(client, jobs, threshold, workers, on_start, on_done, **kwargs):
    for task, _, _ in jobs:
        on_start(task, 1)
        on_done(task, denoise_file(task), None)


def _first_line(stacks, model_file, tmp_path, monkeypatch, capsys, bokeh: bool) -> str:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: (
        (real("numpy") if bokeh else None) if name == "bokeh" else real(name, *a)))
    monkeypatch.setattr(cluster, "connect", _fake_connect)
    monkeypatch.setattr(cluster, "run_on_cluster", _run_here)
    code = main(["denoise", str(stacks[0]), "--model", str(model_file), "--output",
                 str(tmp_path / "out"), "--device", "cpu", "--threads", "1", "--workers", "2"])
    assert code == 0
    return next(x for x in capsys.readouterr().err.splitlines() if x.startswith("cluster:"))


def test_local_workers_without_bokeh_name_no_dead_link(stacks, model_file, tmp_path,
                                                       monkeypatch, capsys):
    line = _first_line(stacks, model_file, tmp_path, monkeypatch, capsys, bokeh=False)
    assert _LINK not in line
    assert "no dashboard" in line and "pip install bokeh" in line


def test_with_bokeh_the_link_is_named(stacks, model_file, tmp_path, monkeypatch, capsys):
    line = _first_line(stacks, model_file, tmp_path, monkeypatch, capsys, bokeh=True)
    assert line.endswith(f"dashboard {_LINK}")
