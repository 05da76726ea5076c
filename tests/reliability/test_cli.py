"""CLI batches: kill -9 in the middle of a file, then resume; Ctrl-C; bad files in a batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_sdap import load_model
from napari_sdap.cli import main

from .helpers import digest, noisy

SRC = str(Path(__file__).resolve().parents[2] / "src")

KILLER = textwrap.dedent("""
    import os, signal, sys
    import napari_sdap.api.writing as writing

    real = writing.run_tiles
    calls = {"n": 0}

    def iter_then_die(*args, **kwargs):
        calls["n"] += 1
        for i, step in enumerate(real(*args, **kwargs)):
            yield step
            if calls["n"] == int(os.environ["SDAP_KILL_AT_FILE"]) and i == 0:
                os.kill(os.getpid(), signal.SIGKILL)  # kill -9 half-way through a file

    writing.run_tiles = iter_then_die
    from napari_sdap.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.fixture
def batch(tmp_path, model_file):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(4):
        tifffile.imwrite(raw / f"cell{i}.tif", noisy((3, 32, 32), seed=i), imagej=True,
                         metadata={"axes": "ZYX"})
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(tmp_path / "out"),
            "--device", "cpu", "--quiet", "--threads", "1"]
    return raw, tmp_path / "out", args


def _record(out: Path) -> dict:
    return json.loads((out / "sdap_run.json").read_text())


def test_kill_9_mid_batch_then_resume(batch, model_file):
    raw, out, args = batch
    inputs = {p.name: digest(p) for p in raw.iterdir()}
    env = {**os.environ, "PYTHONPATH": SRC, "SDAP_KILL_AT_FILE": "3"}
    proc = subprocess.run([sys.executable, "-c", KILLER, *args], env=env, capture_output=True,
                          timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    finished = sorted(p.name for p in out.glob("*_sdap.tif"))
    assert finished == ["cell0_sdap.tif", "cell1_sdap.tif"]  # the killed file is not there
    assert _record(out)["files"]["cell2_sdap.tif"]["status"] == "running"
    kept = {name: (out / name).stat().st_mtime_ns for name in finished}

    assert main(args) == 0  # the same command again resumes
    rec = _record(out)
    assert rec["runs"][-1]["status"] == "finished"
    assert rec["runs"][-1]["skipped"] == 2 and rec["runs"][-1]["denoised"] == 2
    assert {name: (out / name).stat().st_mtime_ns for name in finished} == kept  # not redone
    assert sorted(os.listdir(out)) == ["cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif",
                                      "cell3_sdap.tif", "sdap_run.json"]  # no duplicates/temps
    model = load_model(model_file)
    for i in range(4):
        expected = model.denoise(tifffile.imread(raw / f"cell{i}.tif"), "ZYX")
        np.testing.assert_array_equal(tifffile.imread(out / f"cell{i}_sdap.tif"), expected)
    assert {p.name: digest(p) for p in raw.iterdir()} == inputs


def test_ctrl_c_mid_batch_returns_130_and_leaves_no_partial(batch, monkeypatch):
    _, out, args = batch
    import napari_sdap.api.writing as writing

    real = writing.run_tiles
    calls = {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        for step in real(*a, **k):
            yield step
            if calls["n"] == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(writing, "run_tiles", interrupted)
    assert main(args) == 130
    assert sorted(os.listdir(out)) == ["cell0_sdap.tif", "sdap_run.json"]
    assert _record(out)["runs"][-1]["status"] == "interrupted"
    monkeypatch.setattr(writing, "run_tiles", real)
    assert main(args) == 0
    assert len(list(out.glob("*_sdap.tif"))) == 4


def test_a_truncated_file_in_a_batch_fails_alone(batch, capsys):
    raw, out, args = batch
    bad = raw / "cell1.tif"
    bad.write_bytes(bad.read_bytes()[:1500])
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "cell1.tif" in err and ("truncated" in err or "do not match" in err)
    assert sorted(p.name for p in out.glob("*_sdap.tif")) == [
        "cell0_sdap.tif", "cell2_sdap.tif", "cell3_sdap.tif"]
    assert _record(out)["files"]["cell1_sdap.tif"]["status"] == "failed"


def test_output_folder_equal_to_the_input_folder(batch, model_file, capsys):
    raw, _, args = batch
    inputs = {p.name: digest(p) for p in raw.iterdir()}
    same = [*args[:args.index("--output") + 1], str(raw), *args[args.index("--output") + 2:]]
    assert main(same) == 0
    assert main(same) == 0  # the re-run must not take its own outputs for new inputs
    names = sorted(os.listdir(raw))
    assert names == sorted([*inputs, *(f"cell{i}_sdap.tif" for i in range(4)), "sdap_run.json"])
    assert _record(raw)["runs"][-1]["skipped"] == 4
    assert {name: digest(raw / name) for name in inputs} == inputs


def test_output_pointing_at_an_input_file_is_refused(batch, capsys):
    raw, _, args = batch
    target = raw / "cell0.tif"
    before = digest(target)
    bad = [*args[:args.index("--output") + 1], str(target), *args[args.index("--output") + 2:]]
    assert main(bad) == 2
    assert "is a file; give a folder" in capsys.readouterr().err
    assert digest(target) == before
