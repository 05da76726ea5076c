"""`python -m napari_sdap` runs the `napari-sdap` command (exit codes included): Python
refused it ("'napari_sdap' is a package and cannot be directly executed", exit code 1) where
the console script is not on the PATH (a cron job's minimal environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import napari_sdap


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(napari_sdap.__file__).parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "napari_sdap", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_python_m_napari_sdap_is_the_command(tmp_path: Path) -> None:
    done = _run("--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("napari-sdap ")
    missing = _run("info", "missing.safetensors", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "missing.safetensors" in missing.stderr
    assert "Traceback" not in missing.stderr
