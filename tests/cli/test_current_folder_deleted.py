"""A command started in a folder that was deleted (another terminal's `rm -rf`, a cleaned
scratch) ended in oneMKL's "FATAL ERROR: Cannot load .../libtorch_cpu.so" (torch cannot be
imported there), three times, with exit code 2 and nothing naming the folder. It is one line
saying the current folder is gone and to cd into an existing one."""

from __future__ import annotations

import os
import subprocess
import sys


def test_deleted_current_folder_is_named(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    code = ("import os, sys\n"
            f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
            "from napari_sdap.cli import main\n"
            f"sys.exit(main(['info', {str(tmp_path / 'm.safetensors')!r}]))\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == ["error: the current folder no longer exists (it was deleted or moved while "
                     "this shell was in it); cd into an existing folder and run the command "
                     "again"]
    assert "FATAL" not in done.stderr
