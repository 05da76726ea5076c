"""`train --time-budget` says the steps it names are upper bounds that the budget fits.

`napari-sdap train a.tif --time-budget 1` announced "250 + 500 student steps" and ended with
"trained 6 steps in 4.9 s": nothing said the budget had cut them (it read as a training that
stopped by itself).
"""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main

_ARGS = ["--preset", "tiny", "--width", "8", "--blocks", "1", "--batch-size", "2",
         "--patch-size", "32", "--no-student", "--device", "cpu"]


def _train(tmp_path, capsys, monkeypatch, *extra: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    tifffile.imwrite("a.tif", rng.normal(100, 10, (48, 48)).astype(np.float32))
    code = main(["train", "a.tif", "--model", "m.safetensors", *_ARGS, *extra])
    assert code == 0
    return capsys.readouterr().err.splitlines()


def test_a_budget_is_named_with_the_steps_it_fits(tmp_path, capsys, monkeypatch):
    lines = _train(tmp_path, capsys, monkeypatch, "--steps", "8", "--time-budget", "0.5")
    plan = next(x for x in lines if x.startswith("training preset"))
    assert plan.endswith("at most 8 steps, as many as fit in --time-budget 0.5 s")
    done = next(x for x in lines if x.startswith("trained "))
    assert "(--time-budget 0.5 s)" in done


def test_without_a_budget_the_steps_are_as_before(tmp_path, capsys, monkeypatch):
    lines = _train(tmp_path, capsys, monkeypatch, "--steps", "3")
    plan = next(x for x in lines if x.startswith("training preset"))
    assert plan.endswith("on 1 file(s), 3 steps")
    assert "budget" not in "\n".join(lines)
