"""A model file holding a setting this napari-sdap does not know says a newer one may have
written it (a colleague's file from a later version), not only that it was edited."""

from __future__ import annotations

import json

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ModelFileError
from napari_sdap.model import files


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    img = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    napari_sdap.train(img, axes="YX", preset="tiny", steps=2, width=8, blocks=1, student=False,
                      device="cpu").save(path)
    return files.read_model_file(path)


def _write(path, tensors, meta):
    from safetensors.torch import save_file

    text = json.dumps(meta, sort_keys=True)  # validly signed: it reaches the settings' check
    save_file(tensors, str(path), metadata={files._KEY: text,
                                            files._SUM: files._digest(text, tensors)})
    return path


@pytest.mark.parametrize("section", ["training", "inference", "record", "noise_curve"])
def test_an_unknown_setting_may_be_a_newer_version_s(tmp_path, saved, section):
    tensors, meta = saved
    meta = json.loads(json.dumps(meta))
    (meta["config"] if section in ("training", "inference") else meta)[section]["knob"] = 1
    path = _write(tmp_path / "newer.safetensors", tensors, meta)
    with pytest.raises(ModelFileError, match=rf"{section}\.knob: Extra inputs.* a newer "
                       r"napari-sdap wrote it \(this is napari-sdap .*update napari-sdap"):
        napari_sdap.load_model(path)


def test_a_wrong_value_is_not_blamed_on_a_newer_version(tmp_path, saved):
    tensors, meta = saved
    meta = json.loads(json.dumps(meta))
    meta["config"]["training"]["learning_rate"] = -1.0
    path = _write(tmp_path / "edited.safetensors", tensors, meta)
    with pytest.raises(ModelFileError, match="learning_rate") as err:
        napari_sdap.load_model(path)
    assert "newer" not in str(err.value) and "edited" in str(err.value)
