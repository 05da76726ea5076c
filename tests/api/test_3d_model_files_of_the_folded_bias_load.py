"""3-D model files saved by 9f364c6, whose bias correction was folded into the network's output
bias and recorded as a flat list, load (the correction is in the weights: not added again)."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api.training_record import TrainingRecord


def test_a_flat_list_reads_as_folded_in() -> None:
    assert TrainingRecord(volume_offset=[0.0153]).volume_offset is None
    assert TrainingRecord(volume_offset=[[0.01, 0.02]]).volume_offset == [[0.01, 0.02]]


def test_a_model_file_of_the_folded_bias_loads(tmp_path) -> None:
    rng = np.random.default_rng(0)
    img = (rng.poisson(2.0, (6, 48, 48)) + rng.normal(0, 0.05, (6, 48, 48))).astype(np.float32)
    model = napari_sdap.train(img, "ZYX", preset="fast", steps=3, seed=1, device="cpu", dims=3,
                              student=False, patch_size=32, batch_size=2)
    model.record.volume_offset = [0.0153]  # as 9f364c6 saved it
    with pytest.warns(UserWarning):  # (pydantic: the field's type on saving)
        path = model.save(tmp_path / "old3d.sdap")
    loaded = napari_sdap.load_model(path)
    assert loaded.record.volume_offset is None
    assert loaded.refine() is None  # nothing added after the network
