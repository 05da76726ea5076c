"""A model file saved by the napari-sdap of 1 December 2026, whose training record held the
detail restore's `restore_share` (a field dropped an hour later), was refused: "invalid
settings (record.restore_share: Extra inputs are not permitted) ... or a newer napari-sdap
wrote it: update napari-sdap", on the newest version. Such retired fields are left out on
loading; unknown fields are still refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.torch import save_file
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.errors import ModelFileError
from napari_sdap.model import files

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "steps": 3, "student": False, "device": "cpu"}


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(noisy_sine(), "YX", **SETTINGS)


def _with_record_field(model, tmp_path, name, value):
    """A copy of `model`'s file whose record also holds `name` (checksum recomputed)."""
    tensors, meta = files.read_model_file(model.save(tmp_path / "new.safetensors"))
    meta["record"][name] = value
    meta_json = json.dumps(meta, sort_keys=True)
    path = tmp_path / f"with_{name}.safetensors"
    save_file(tensors, str(path), metadata={files._KEY: meta_json,
                                            files._SUM: files._digest(meta_json, tensors)})
    return path


def test_a_file_with_the_retired_restore_share_loads(model, tmp_path):
    path = _with_record_field(model, tmp_path, "restore_share", 0.08)
    back = napari_sdap.load_model(path)
    assert back.record.steps == model.record.steps
    img = noisy_sine(seed=3)
    np.testing.assert_array_equal(back.denoise(img), model.denoise(img))


def test_an_unknown_record_field_is_still_refused(model, tmp_path):
    path = _with_record_field(model, tmp_path, "restore_shares", 0.08)
    with pytest.raises(ModelFileError, match=r"record\.restore_shares"):
        napari_sdap.load_model(path)
