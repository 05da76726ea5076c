"""A hang-up reaches the whole process group (a closed terminal, `kill -HUP -PGID`), so with
`--workers` it also reached multiprocessing's resource tracker, which ignores SIGINT and
SIGTERM but not SIGHUP: it died, was started again when the workers were shut down, and
printed a KeyError traceback for each of their semaphores (a dozen after the command's own
"stopped" line). It is started with SIGHUP blocked: the command's own line alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def test_a_hang_up_of_the_group_prints_no_tracker_tracebacks(stacks, model_file,
                                                             tmp_path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "napari_sdap", "denoise", str(stacks[0].parent), "--model",
         str(model_file), "--output", str(out), "--device", "cpu", "--workers", "1",
         "--flips", "8"], stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    lines = []
    deadline = time.monotonic() + 120
    while not any(line.startswith("cluster:") for line in lines):  # the workers are up
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
        lines.append(proc.stderr.readline())
    os.killpg(proc.pid, signal.SIGHUP)  # as a closed terminal does: the whole group
    _, err = proc.communicate(timeout=120)
    err = "".join(lines) + err
    assert proc.returncode in (0, 130), err  # (0: the batch had finished meanwhile)
    assert "Traceback" not in err and "KeyError" not in err, err
    assert "resource_tracker" not in err, err
    assert not [p for p in Path(out).iterdir() if p.name.startswith(".")]
