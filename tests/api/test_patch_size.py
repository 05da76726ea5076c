"""A hand-set patch size is rounded to the stride training uses (API and CLI alike)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from synthetic import correlated_noise, smooth_image

from napari_sdap import train
from napari_sdap.cli import main

SMALL = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "steps": 1,
         "student": False}


def _correlated(shape=(128, 128)) -> np.ndarray:
    return (smooth_image(shape) + correlated_noise(shape, 0.2, k=3)).astype(np.float32)


@pytest.mark.parametrize(("stride", "patch", "expected"), [(3, 50, 48), (2, 51, 50), (1, 37, 37)])
def test_patch_is_rounded_down_to_a_given_stride(stride, patch, expected):
    model = train(_correlated(), stride=stride, patch_size=patch, **SMALL)
    assert model.config.training.patch_size == expected


def test_patch_is_rounded_to_the_stride_auto_picks():
    model = train(_correlated(), patch_size=51, **SMALL)
    t = model.config.training
    assert t.stride > 1  # box-filtered noise: random sub-sampling
    assert t.patch_size == 51 - 51 % t.stride and t.patch_size % t.stride == 0


def test_continuing_training_rounds_to_the_model_stride():
    model = train(_correlated(), stride=3, **SMALL)
    train(_correlated(), model=model, patch_size=50, steps=1)
    assert model.config.training.patch_size == 48


def test_cli_train_with_an_odd_patch_size(tmp_path):
    image = tmp_path / "noisy.tif"
    tifffile.imwrite(image, (_correlated() * 1000).astype(np.uint16))
    model = tmp_path / "m.safetensors"
    code = main(["train", str(image), "--model", str(model), "--preset", "tiny", "--steps", "1",
                 "--width", "8", "--blocks", "1", "--batch-size", "2", "--patch-size", "50",
                 "--stride", "3", "--no-student", "--device", "cpu", "--quiet"])
    assert code == 0 and model.exists()
