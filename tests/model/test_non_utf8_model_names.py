"""Model file paths whose bytes are not UTF-8 (Latin-1 `mod\\xe9le.safetensors`).

safetensors opens UTF-8 paths only: such a model was saved (by `train --model`, after the
whole training) and then refused on loading as "not a readable napari-sdap model file
(truncated, corrupted or another format ...)". The name is refused before saving, and a file
with such a name is called what it is on loading.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import tifffile

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.errors import ModelFileError, OutputError

NAME = os.fsdecode(b"mod\xe9le.safetensors")


@pytest.fixture(scope="module")
def model():
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    return napari_sdap.train(image, preset="tiny", steps=2, width=8, blocks=1, stride=2,
                             device="cpu", student=False)


def _latin1_ok(folder):
    try:
        (folder / os.fsdecode(b"probe\xe9")).write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")


def test_save_refuses_the_name(tmp_path, model):
    _latin1_ok(tmp_path)
    with pytest.raises(OutputError, match=r"mod\\xe9le.safetensors is not UTF-8 text"):
        model.save(tmp_path / NAME)
    assert not (tmp_path / NAME).exists()


def test_load_names_the_problem(tmp_path, model):
    _latin1_ok(tmp_path)
    model.save(tmp_path / "m.safetensors")
    shutil.copy(tmp_path / "m.safetensors", tmp_path / NAME)  # renamed by another tool
    with pytest.raises(ModelFileError, match=r"is not UTF-8 text .* rename it") as info:
        napari_sdap.load_model(tmp_path / NAME)
    assert "truncated" not in str(info.value)


def test_cli_train_refuses_before_training(tmp_path, capsys):
    _latin1_ok(tmp_path)
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    code = main(["train", str(tmp_path / "a.tif"), "--model", str(tmp_path / NAME), "--preset",
                 "tiny", "--steps", "2", "--device", "cpu", "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "is not UTF-8 text" in err and "trained" not in err
    assert not (tmp_path / NAME).exists()


def test_cli_denoise_train_refuses_before_training(tmp_path, capsys):
    _latin1_ok(tmp_path)
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    out = tmp_path / os.fsdecode(b"r\xe9sultats")
    code = main(["denoise", str(tmp_path / "a.tif"), "--train", "-o", str(out), "--preset",
                 "tiny", "--steps", "2", "--device", "cpu", "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "is not UTF-8 text" in err and "trained" not in err
    assert not out.exists()
