"""Fixtures of the reliability suite: tiny trained models shared by the tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from .helpers import noisy, quick_train

if importlib.util.find_spec("napari") is None and not os.environ.get("CI"):
    # without the [napari] extra these are not collected on a developer machine; in CI, where
    # every extra is installed, a missing napari fails them instead of skipping them
    collect_ignore = ["test_napari.py", "test_napari_extra.py", "test_napari_workers.py"]


@pytest.fixture(scope="session")
def gray_model():
    """A 1-channel tiny model (stride 2, sdap_e), trained for a few steps on a 64 x 64 image."""
    return quick_train(noisy((64, 64)), steps=3)


@pytest.fixture(scope="session")
def counts_model():
    """The same on the scale of 8-bit counts (0..100): for inputs of integer dtypes, which a
    model of the 0..1 scale refuses as another intensity scale (`api.intensity`)."""
    return quick_train(noisy((64, 64)) * 100, steps=3)


@pytest.fixture(scope="session")
def rgb_model():
    """A 3-channel (joint RGB) tiny model."""
    return quick_train(noisy((48, 48, 3), seed=1), steps=2)


@pytest.fixture(scope="session")
def model_file(gray_model, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "gray.safetensors"
    gray_model.save(path)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The napari plugin's default output folder, moved into the test's own folder."""
    from napari_sdap._napari import store as store_module

    folder = tmp_path / "cache"
    monkeypatch.setattr(store_module, "default_folder", lambda: folder)
    return folder


@pytest.fixture
def trained(tmp_path):
    """A finished `denoise --train` batch of two files: (inputs, output folder, command)."""
    from napari_sdap.cli import main

    from .test_cli_batches import FAST, _tif

    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for i in range(2):
        _tif(raw / f"c{i}.tif", (2, 40, 40), "ZYX", i)
    args = ["denoise", str(raw), "--train", "--output", str(out), *FAST]
    assert main(args) == 0
    return raw, out, args
