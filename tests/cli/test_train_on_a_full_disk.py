"""`napari-sdap train` (and `denoise --train`) into a folder on a full disk trained, then
failed to save: "the model trained in this run could not be saved and is lost with it"
(minutes to hours of training for nothing). A disk with less room than the smallest model
file is refused before the training, naming the folder and its free bytes."""

from __future__ import annotations

import shutil
from collections import namedtuple

import numpy as np
import pytest
import tifffile

import napari_sdap.cli.plan as plan
import napari_sdap.cli.train as train_cmd
from napari_sdap.cli import main

Usage = namedtuple("Usage", "total used free")
OPTIONS = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1",
           "--batch-size", "2", "--patch-size", "32", "--no-student", "--device", "cpu",
           "--threads", "1"]


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """The disk of tmp_path has `free[0]` bytes free; counts the trainings started."""
    real, free, trained = shutil.disk_usage, [100], []

    def usage(path):
        u = real(path)
        return Usage(u.total, u.used, free[0]) if str(tmp_path) in str(path) else u

    def counted(*args, **kwargs):
        trained.append(1)
        return real_train(*args, **kwargs)

    real_train = train_cmd.train_on
    monkeypatch.setattr(shutil, "disk_usage", usage)
    monkeypatch.setattr(train_cmd, "train_on", counted)
    monkeypatch.setattr(plan, "train_on", counted)
    image = tmp_path / "img.tif"
    rng = np.random.default_rng(0)
    tifffile.imwrite(image, (100 + rng.normal(0, 10, (48, 48))).astype(np.float32))
    return image, free, trained


def test_train_refuses_a_full_disk_before_training(full_disk, tmp_path, capsys):
    image, free, trained = full_disk
    model = tmp_path / "m.safetensors"
    assert main(["train", str(image), "--model", str(model), *OPTIONS]) != 0
    err = capsys.readouterr().err
    assert trained == [] and not model.exists()
    assert "is full (100 bytes free)" in err and "nothing was trained" in err
    assert "--model" in err
    free[0] = 10 << 20  # space freed: the same command trains and saves
    assert main(["train", str(image), "--model", str(model), *OPTIONS]) == 0
    assert trained == [1] and model.is_file()


def test_denoise_train_refuses_a_full_disk_before_training(full_disk, tmp_path, capsys):
    image, free, trained = full_disk
    out = tmp_path / "out"
    args = ["denoise", str(image), "--train", "--output", str(out), *OPTIONS]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert trained == [] and not (out / "sdap_model.safetensors").exists()
    assert "is full (100 bytes free)" in err and "--output" in err
    assert not out.exists()  # refused before it began: the folder it made is gone again
    free[0] = 10 << 20
    assert main(args) == 0
    assert trained == [1] and (out / "img_sdap.tif").is_file()
