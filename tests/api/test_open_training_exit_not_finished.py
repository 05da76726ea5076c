"""A training left open to the interpreter's end (an `iter_train` loop left with `break`, the
generator kept: a script, a notebook whose kernel restarts) is closed at exit without finishing
its model: finishing (the noise curve, output blur and mix) added 8 s to the exit of a script
on a 512² image, for a model nothing could use any more. A generator closed by the caller is
still finished (tests/api/test_open_training_at_exit.py keeps the exit code)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np
    import napari_sdap
    import napari_sdap.api.training as training

    img = np.random.default_rng(0).normal(100, 10, (64, 64)).astype(np.float32)
    kw = dict(preset="tiny", width=8, blocks=1, batch_size=2, patch_size=32, steps=20,
              stride=2, student=False, device="cpu")
    closed = napari_sdap.iter_train(img, **kw)
    left = napari_sdap.iter_train(img, **kw)
    for g in (closed, left):
        for rec in g:
            if rec.step == 3:
                break
    def finishing(*args, **kwargs):
        print("finishing a model", flush=True)
    training.finish_curve = training.finish_output = finishing
    closed.close()
    print("last line", flush=True)
""")


def test_exit_does_not_finish_a_model_left_open(tmp_path):
    script = tmp_path / "left_open.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    before, _, after = run.stdout.partition("last line")
    assert "finishing a model" in before  # (closed by the script: finished)
    assert "finishing a model" not in after, run.stdout  # (left open to the exit: not)
