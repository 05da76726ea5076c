"""A `denoise` refused for its model options (a `--model` path with a typo, `--retrain`
without `--train`, `--noise-std` with `--model`) made the output folder and an empty
`sdap_run.json` before refusing: a typo left a stray folder behind. They are refused first."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main


@pytest.mark.parametrize(("extra", "says"), [
    (["--model", "nope.safetensors"], "model file nope.safetensors does not exist"),
    (["--model", "m.safetensors", "--retrain"], "--retrain goes with --train"),
    (["--model", "m.safetensors", "--noise-std", "3"], "go with --train"),
])
def test_refused_before_the_output_folder(tmp_path, capsys, monkeypatch, extra, says):
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("a.tif", np.zeros((16, 16), np.float32))
    (tmp_path / "m.safetensors").write_bytes(b"not needed: refused before the model is read")
    code = main(["denoise", "a.tif", *extra, "-o", "out", "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and says in err
    assert not (tmp_path / "out").exists()
