"""`denoise --qc` with an output name of 230-247 bytes: refused ("at most 229 bytes for the
output name") for the check's hidden temporary `.<name>.qc.json.<random>.partial`, a name
atomic_write cuts to fit since fb46d96; the same file was denoised without --qc. The check
is written, and the rerun finds it."""

from __future__ import annotations

import json

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main


def test_a_long_output_name_gets_its_check(model_file, tmp_path, capsys):
    raw, out = tmp_path / "raw", tmp_path / "o"
    raw.mkdir()
    stem = "c" * 236  # output name 245 bytes, its check 253
    img = np.random.default_rng(3).normal(0.5, 0.1, (40, 40)).astype(np.float32)
    tifffile.imwrite(raw / f"{stem}.tif", img)
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1", "--qc"]
    assert main(args) == 0, capsys.readouterr().err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{stem}_sdap.tif", f"{stem}_sdap.tif.qc.json",
                            f"{stem}_sdap.tif.qc.png", "sdap_run.json"])
    entry = json.loads((out / "sdap_run.json").read_text())["files"][f"{stem}_sdap.tif"]
    assert entry["status"] == "done" and "error" not in entry["qc"]
    assert main(args) == 0
    assert "0 denoised, 1 skipped" in capsys.readouterr().err
