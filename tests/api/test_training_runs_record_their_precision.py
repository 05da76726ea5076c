"""Each training call records the arithmetic its steps ran in: a model trained in bfloat16 and
continued in float32 said `precision: float32` (the last call's) and `auto` / `float32` as the
calls' settings, so neither the file, an output's provenance nor `info` told that most of its
steps ran in bfloat16."""

from __future__ import annotations

import re

import numpy as np
import zarr

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "device": "cpu"}


def test_each_call_keeps_its_precision(tmp_path, capsys):
    image = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    model = napari_sdap.train(image, "YX", steps=3, precision="bfloat16", **TINY)
    model = napari_sdap.train(image, "YX", model=model, steps=2, precision="float32",
                              device="cpu")
    assert [r.precision for r in model.record.runs] == ["bfloat16", "float32"]
    assert model.record.precision == "float32"  # (the last call's, as documented)
    path = tmp_path / "m.safetensors"
    model.save(path)
    loaded = napari_sdap.load_model(path)
    assert [r.precision for r in loaded.record.runs] == ["bfloat16", "float32"]
    loaded.denoise(image, "YX", device="cpu", output=tmp_path / "o.zarr")
    rec = zarr.open_array(str(tmp_path / "o.zarr"), mode="r").attrs["napari_sdap"]["metadata"]
    assert [r["precision"] for r in rec["model"]["runs"]] == ["bfloat16", "float32"]
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "steps in float32 (the last training call's" in out
    lines = [x for x in out.splitlines() if re.match(r"(runs)?\s+[12]: ", x)]
    assert "in bfloat16" in lines[0] and "in float32" in lines[1]
