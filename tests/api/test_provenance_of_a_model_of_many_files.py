"""A model trained on a folder of many files (the CLI's `train raw/` on 2000 files names each
in `record.trained_on`) made every output carry the whole list in its provenance: a 32 x 32
output of 4 KB of pixels was 121 KB. An output names the first training images and how many
more there are; the model file keeps them all."""

from __future__ import annotations

import numpy as np

import napari_sdap
from napari_sdap.api.provenance import TRAINED_ON_SHOWN, output_records

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "device": "cpu", "steps": 2, "seed": 1}


def _model(names: list[str]) -> tuple[napari_sdap.SDAPModel, np.ndarray]:
    img = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    model = napari_sdap.train(img, "YX", **TINY)
    model.record.trained_on = names
    return model, img


def test_an_output_names_a_few_of_many_training_files(tmp_path):
    names = [f"cell_{i:05d}.tif: YX [32, 32]" for i in range(2000)]
    model, img = _model(names)
    path = tmp_path / "out.tif"
    model.denoise(img, "YX", device="cpu", output=path)
    assert path.stat().st_size < 30_000  # was 121 KB
    listed = next(output_records(path))["model"]["trained_on"]
    assert len(listed) == TRAINED_ON_SHOWN
    assert listed[:-1] == names[:TRAINED_ON_SHOWN - 1]
    assert "1969 more of the 2000 training images" in listed[-1]
    assert model.record.trained_on == names  # the model itself keeps them all
    layer = model.denoise(img, "YX", device="cpu")
    assert layer.shape == img.shape


def test_a_few_training_files_are_all_named(tmp_path):
    names = [f"day{i}.tif: YX [32, 32]" for i in range(TRAINED_ON_SHOWN)]
    model, img = _model(names)
    path = tmp_path / "out.tif"
    model.denoise(img, "YX", device="cpu", output=path)
    assert next(output_records(path))["model"]["trained_on"] == names
