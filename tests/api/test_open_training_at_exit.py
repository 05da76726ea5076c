"""A script that leaves an `iter_train` loop with `break` and keeps its generator to the end
(common in notebooks and scripts that stop at a target loss) aborted after its last line: the
generator was finalised while torch was torn down (exit 134, a C++ 'INTERNAL ASSERT FAILED'
trace, a failed job). Open trainings are closed at exit, and the process ends normally."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np
    import napari_sdap

    img = np.random.default_rng(0).normal(100, 10, (64, 64)).astype(np.float32)
    g = napari_sdap.iter_train(img, preset="tiny", width=8, blocks=1, batch_size=2,
                               patch_size=32, steps=20, stride=2, student=False, device="cpu")
    for rec in g:
        if rec.step == 3:
            break
    print("last line")
""")


def test_a_training_left_open_ends_the_process_normally(tmp_path):
    script = tmp_path / "left_open.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, env=env)
    assert "last line" in run.stdout, run.stderr[-2000:]
    assert run.returncode == 0, run.stderr[-2000:]
    assert "INTERNAL ASSERT" not in run.stderr and "terminate called" not in run.stderr
