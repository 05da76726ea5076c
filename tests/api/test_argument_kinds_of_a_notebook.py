"""Arguments of kinds a notebook user may pass: a bytes path to open_image (os.listdir(b'.')
gives them), `run=` settings that are no dict of JSON values, and `validation=` that is no
fraction (an empty text or a list was read as off)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile

import napari_sdap
from napari_sdap.api.inputs import open_image
from napari_sdap.api.writing import open_denoise
from napari_sdap.errors import ConfigError


@pytest.fixture(scope="module")
def tiny_model():
    img = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    return napari_sdap.train(img, "YX", preset="tiny", steps=1, device="cpu", student=False), img


def test_open_image_takes_a_bytes_path(tmp_path):
    path = tmp_path / "a.tif"
    tifffile.imwrite(path, np.arange(64, dtype=np.uint16).reshape(8, 8))
    with open_image(os.fsencode(path)) as src:  # was a raw TypeError
        assert np.array_equal(np.asarray(src.array), np.arange(64).reshape(8, 8))


@pytest.mark.parametrize("run", ["abc", {"when": object()}, ["a", 1]])
def test_run_settings_that_are_not_json_are_refused_before_any_work(tmp_path, tiny_model, run):
    model, img = tiny_model
    out = tmp_path / "out.zarr"
    with pytest.raises(ConfigError, match="dict of JSON values"):
        open_denoise(model, img, out, "YX", device="cpu", run=run)  # raw TypeError/ValueError
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_run_settings_of_json_values_are_recorded(tmp_path, tiny_model):
    model, img = tiny_model
    with open_denoise(model, img, tmp_path / "o.tif", "YX", device="cpu",
                      run={"user": "lab", "n": [1, 2]}) as job:
        for _ in job.steps():
            pass
    assert (tmp_path / "o.tif").exists()


@pytest.mark.parametrize("fraction", ["", [], "0.1"])
def test_validation_that_is_no_fraction_is_refused(tiny_model, fraction):
    _, img = tiny_model
    with pytest.raises(ConfigError, match="validation must be a fraction"):
        napari_sdap.train(img, "YX", preset="tiny", steps=1, device="cpu", student=False,
                          validation=fraction)


@pytest.mark.parametrize("off", [0, 0.0, None, False])
def test_validation_off(tiny_model, off):
    _, img = tiny_model
    model = napari_sdap.train(img, "YX", preset="tiny", steps=1, device="cpu", student=False,
                              validation=off)
    assert model.record.runs[-1].validation == 0.0
