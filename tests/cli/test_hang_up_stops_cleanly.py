"""A hang-up (SIGHUP: the terminal closed, an ssh session dropped) killed a batch on the spot:
the file in progress left its hidden temporary (a TIFF's zarr temporary, as large as the
output) and the record said `running`. It stops the batch as Ctrl-C and SIGTERM do (exit code
130, nothing partial, the record `interrupted`); under `nohup`, which ignores it, the run goes
on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_fixtures import SLOW_RUN, model_file_fixture, stacks_fixture, wait_inside_second_file  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

def _start(stacks: list[Path], model: Path, out: Path, nohup: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    ignore = (lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if nohup else None
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, "denoise", str(stacks[0].parent), "--model",
         str(model), "--output", str(out), "--device", "cpu", "--threads", "1"],
        stderr=subprocess.PIPE, text=True, env=env, preexec_fn=ignore)


def test_a_hang_up_stops_the_batch_cleanly(stacks, model_file, tmp_path) -> None:
    out = tmp_path / "out"
    proc = _start(stacks, model_file, out, nohup=False)
    wait_inside_second_file(proc, out)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Run the same command again to resume" in err
    assert sorted(p.name for p in out.iterdir()) == ["cell0_sdap.tif", "sdap_run.json"]
    record = json.loads((out / "sdap_run.json").read_text())
    assert record["runs"][-1]["status"] == "interrupted"
    assert record["files"]["cell1_sdap.tif"]["status"] == "interrupted"


def test_under_nohup_a_hang_up_is_ignored(stacks, model_file, tmp_path) -> None:
    out = tmp_path / "out"
    proc = _start(stacks, model_file, out, nohup=True)
    wait_inside_second_file(proc, out)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert proc.poll() is None  # still working
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
