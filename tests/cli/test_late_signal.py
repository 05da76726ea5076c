"""A Ctrl-C or SIGTERM that lands after a command's work, while the interpreter shuts down
(torch and dask take about a second), ended a finished run with a signal's exit code (130 or
143 in a shell, a failed SLURM job) though everything was done and recorded. Such a signal is
now ignored: the process ends with the command's own code. `main(argv)` called from Python
leaves the handlers as they were."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import os, signal, sys, time
    model, late = sys.argv[1], getattr(signal, sys.argv[2])
    sys.argv = ["napari-sdap", "info", model]
    from napari_sdap.cli import main
    code = main()
    os.kill(os.getpid(), late)
    time.sleep(1)
    sys.exit(code)
""")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_late_signal_keeps_the_commands_exit_code(tmp_path, sig):
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "missing.safetensors"),
                           sig], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr)  # info's own code
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_main_with_arguments_leaves_the_handlers(tmp_path):
    from napari_sdap.cli import main

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert main(["info", str(tmp_path / "missing.safetensors")]) == 2
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
