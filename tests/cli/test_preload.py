"""A signal while a native extension (TensorStore) initialises: a clean stop, never an abort."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from napari_sdap.cli import main, preload

CHECK = """
import sys
import napari_sdap.cli.denoise as d
def run_denoise(args, rep, argv):
    print("tensorstore loaded:", "tensorstore" in sys.modules)
    return 0
d.run_denoise = run_denoise
from napari_sdap.cli import main
sys.exit(main(["denoise", "x.tif", "--model", "m.safetensors", "-o", "out"]))
"""


def test_tensorstore_is_imported_before_the_work_starts(tmp_path):
    """It was imported on first use, deep in a run, where a SIGTERM could land in its C init
    (the next import then aborted the process, SIGABRT, leaving partial files)."""
    pytest.importorskip("tensorstore")
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tensorstore loaded: True" in proc.stdout


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
def test_a_signal_during_the_import_waits_for_its_end(tmp_path, monkeypatch, capsys):
    (tmp_path / "sdap_fake_native.py").write_text(
        "import os, signal, time\n"
        "os.kill(os.getpid(), signal.SIGTERM)  # SLURM's stop, mid-import\n"
        "time.sleep(0.2)\n"
        "COMPLETE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preload, "NATIVE", ("sdap_fake_native",))
    out = tmp_path / "out"
    assert main(["denoise", str(tmp_path), "--model", "m.safetensors", "-o", str(out)]) == 130
    assert sys.modules["sdap_fake_native"].COMPLETE  # the import was not cut
    assert "stopped by the user" in capsys.readouterr().err
    assert not out.exists()
