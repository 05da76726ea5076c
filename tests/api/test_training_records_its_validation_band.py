"""A training with `validation=` (the Train panel's 0.1 by default) never trains on a band of
rows at the bottom of every plane, so it makes another model than the same settings and seed
without it; the model file, an output's provenance and `info` said nothing of it, and the
recorded config and seed did not reproduce a panel-trained model."""

from __future__ import annotations

import numpy as np
import torch
import zarr

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "device": "cpu", "steps": 3, "seed": 1}


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.network.state_dict().values(),
                                                  b.network.state_dict().values(), strict=True))


def test_the_held_out_band_is_recorded_and_redoes_the_model(tmp_path, capsys):
    image = np.random.default_rng(0).normal(100, 10, (96, 96)).astype(np.float32)
    plain = napari_sdap.train(image, "YX", **TINY)
    held = napari_sdap.train(image, "YX", validation=0.25, **TINY)
    assert not _same(plain, held)  # (it matters: another model)
    assert [r.validation for r in plain.record.runs] == [0.0]
    assert [r.validation for r in held.record.runs] == [0.25]
    path = tmp_path / "m.safetensors"
    held.save(path)
    loaded = napari_sdap.load_model(path)
    redo = napari_sdap.train(image, "YX", validation=loaded.record.runs[0].validation, **TINY)
    assert _same(redo, held)  # what is recorded redoes it
    loaded.denoise(image, "YX", device="cpu", output=tmp_path / "o.zarr")
    rec = zarr.open_array(str(tmp_path / "o.zarr"), mode="r").attrs["napari_sdap"]["metadata"]
    assert rec["model"]["runs"][0]["validation"] == 0.25
    assert main(["info", str(path)]) == 0
    assert "25 % of rows held out for validation" in capsys.readouterr().out


def test_a_continue_with_another_band_is_told_per_call(tmp_path, capsys):
    image = np.random.default_rng(0).normal(100, 10, (96, 96)).astype(np.float32)
    model = napari_sdap.train(image, "YX", validation=0.25, **TINY)
    model = napari_sdap.train(image, "YX", model=model, steps=2, device="cpu")
    assert [r.validation for r in model.record.runs] == [0.25, 0.0]
    model.save(tmp_path / "m.safetensors")
    assert main(["info", str(tmp_path / "m.safetensors")]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if "held out" in x]
    assert len(lines) == 1 and " 1: " in lines[0]
