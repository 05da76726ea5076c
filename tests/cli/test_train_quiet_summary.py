"""`train -q` printed nothing at all, while its help (and `denoise -q`, `export -q`) keep
"only errors and the summary": the `saved MODEL (sha256 ...)` line is its summary."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main


def test_train_quiet_keeps_the_saved_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("a.tif", np.random.default_rng(0).poisson(50, (32, 32)).astype(np.float32))
    code = main(["train", "a.tif", "--model", "m.safetensors", "--preset", "tiny", "--steps",
                 "1", "--no-student", "--device", "cpu", "-q"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 0 and len(lines) == 1 and lines[0].startswith("saved m.safetensors (sha256 ")
