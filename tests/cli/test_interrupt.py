"""Stopping a batch (Ctrl-C, SIGTERM, a killed process) and resuming it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile
from cli_fixtures import SLOW_RUN, model_file_fixture, stacks_fixture, wait_inside_second_file  # noqa: F401 (fixtures)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main


def _args(stacks: list[Path], model: Path, out: Path) -> list[str]:
    return ["denoise", str(stacks[0].parent), "--model", str(model), "--output", str(out),
            "--device", "cpu", "--threads", "1"]


def _visible(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


def test_ctrl_c_mid_file_then_resume(stacks, model_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file
    calls = []

    def stop_in_second_file(task, progress=None):
        calls.append(task.input)
        if len(calls) < 2:
            return real(task, progress)

        def interrupt(step):
            raise KeyboardInterrupt

        return real(task, interrupt)

    monkeypatch.setattr(denoise_cmd, "denoise_file", stop_in_second_file)
    assert main(_args(stacks, model_file, out)) == 130
    err = capsys.readouterr().err
    assert "stopped after 1 of 3 file(s)" in err and "Traceback" not in err
    assert _visible(out) == ["cell0_sdap.tif", "sdap_run.json"]  # nothing partial, no temps
    rec = json.loads((out / "sdap_run.json").read_text())
    assert rec["runs"][-1]["status"] == "interrupted"
    assert rec["files"]["cell1_sdap.tif"]["status"] == "interrupted"
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    assert main(_args(stacks, model_file, out)) == 0
    assert "2 to denoise, 1 already done" in capsys.readouterr().err
    assert _visible(out) == ["cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif",
                             "sdap_run.json"]


def _start_slow(stacks, model_file, out) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", SLOW_RUN, *_args(stacks, model_file, out)],
                            stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly(stacks, model_file, tmp_path, sig):
    out = tmp_path / "out"
    proc = _start_slow(stacks, model_file, out)
    wait_inside_second_file(proc, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Run the same command again to resume" in err
    names = _visible(out)
    assert names == ["cell0_sdap.tif", "sdap_run.json"]  # no partial second file, no temps
    rec = json.loads((out / "sdap_run.json").read_text())
    assert rec["runs"][-1]["status"] == "interrupted"


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_killed_run_resumes_and_cleans_up(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    proc = _start_slow(stacks, model_file, out)
    wait_inside_second_file(proc, out)
    proc.kill()  # no chance to clean up: temporaries and a "running" entry stay behind
    proc.communicate(timeout=60)
    rec = json.loads((out / "sdap_run.json").read_text())
    assert rec["runs"][-1]["status"] == "running"
    assert not (out / "cell2_sdap.tif").exists()
    assert main(_args(stacks, model_file, out)) == 0
    assert _visible(out) == ["cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif",
                             "sdap_run.json"]
    from napari_sdap.api import load_model

    model = load_model(model_file)
    for p in stacks:
        got = tifffile.imread(out / f"{p.stem}_sdap.tif")
        np.testing.assert_allclose(got, model.denoise(tifffile.imread(p), "ZYX"), atol=1e-5)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_on_local_workers_is_one_line(model_file, tmp_path):
    """Ctrl-C in a terminal reaches the whole process group: each worker printed its own
    KeyboardInterrupt traceback, and a file in progress left its temporary."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        tifffile.imwrite(raw / f"c{i}.tif", rng.normal(0.5, 0.1, (8, 256, 256)).astype("f4"),
                         imagej=True, metadata={"axes": "ZYX"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "napari_sdap.cli", "denoise", str(raw), "--model",
         str(model_file), "--output", str(out), "--device", "cpu", "--workers", "2",
         "--flips", "8"], stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    seen = []
    while not any("cluster:" in line for line in seen):
        line = proc.stderr.readline()
        assert line, "".join(seen)
        seen.append(line)
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: stopped after "), err
    assert not [p for p in _visible(out) if p.startswith(".")]  # no temporary left


def test_an_overwrite_stopped_before_replacing_keeps_the_finished_outputs(
        stacks, model_file, tmp_path, monkeypatch, capsys):
    """A finished output that an `--overwrite` run stopped (Ctrl-C) or killed before replacing
    stays the earlier run's finished output: another model without --overwrite is refused it,
    the first model skips it."""
    import napari_sdap
    from napari_sdap.cli.record import RunRecord

    other = tmp_path / "other.safetensors"
    napari_sdap.train(
        tifffile.imread(stacks[0])[0], preset="tiny", steps=2, width=8, blocks=1, stride=2,
        device="cpu", seed=5).save(other)
    out = tmp_path / "out"
    assert main(_args(stacks, model_file, out)) == 0
    before = {p.name: p.read_bytes() for p in out.glob("*.tif")}
    real, calls = denoise_cmd.denoise_file, []

    def stop_in_second_file(task, progress=None):
        calls.append(task.input)
        if len(calls) < 2:
            return real(task, progress)
        raise KeyboardInterrupt

    monkeypatch.setattr(denoise_cmd, "denoise_file", stop_in_second_file)
    assert main([*_args(stacks, other, out), "--overwrite"]) == 130
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    record = RunRecord(out)  # a kill while the third file runs: its entry stays `running`
    record.start_file(out / "cell2_sdap.tif", model_sha256="f" * 64, settings_key="k")
    entry = record.files["cell1_sdap.tif"]
    assert entry["status"] == "done" and entry["last_attempt"]["status"] == "interrupted"
    capsys.readouterr()
    assert main(_args(stacks, model_file, out)) == 1  # the first model: cell1, cell2 skipped
    err = capsys.readouterr().err  # (cell0 was redone with the other model: out of date)
    assert "0 to denoise, 2 already done" in err and err.count("is out of date") == 1
    record = RunRecord(out)
    assert record.files["cell2_sdap.tif"]["status"] == "done"
    assert main(_args(stacks, other, out)) == 1  # another model: all three out of date
    err = capsys.readouterr().err
    assert err.count("is out of date") == 2 and "1 already done" in err
    for name in ("cell1_sdap.tif", "cell2_sdap.tif"):
        assert (out / name).read_bytes() == before[name]


def test_ctrl_c_while_training_is_in_the_record(stacks, tmp_path, monkeypatch, capsys):
    """A run stopped while `--train` trained left no run in the record."""
    import napari_sdap.cli.plan as plan

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plan, "train_on", stopped)
    out = tmp_path / "out"
    assert main(["denoise", str(stacks[0].parent), "--train", "--output", str(out),
                 "--device", "cpu", "--preset", "tiny", "--steps", "2"]) == 130
    runs = json.loads((out / "sdap_run.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["interrupted"] and "trained" in runs[0]["note"]
