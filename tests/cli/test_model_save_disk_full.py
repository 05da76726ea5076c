"""A full disk when `train` (or `denoise --train`) saves the model it trained.

The error ended "then save again (the model is still in memory; ...)", the Python API's words:
the command then exits and the model is lost with it. The line says so, names the disk as full
and the fix (free space, run again), and the exit code is 2 with nothing left behind.
"""

from __future__ import annotations

import errno

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main


@pytest.fixture
def disk_full(monkeypatch):
    import safetensors.torch

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", full)


def _image(tmp_path):
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    return tmp_path / "a.tif"


_TRAIN = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1", "--stride", "2",
          "--no-student", "--device", "cpu", "--threads", "1"]


def _check(err: str, path) -> None:
    lines = [line for line in err.splitlines() if line.startswith("error")]
    assert len(lines) == 1, err
    line = lines[0]
    assert f"cannot write model file {path}" in line and "the disk is full" in line
    assert "run the command again" in line and "lost" in line
    assert "still in memory" not in line and "save again" not in line


def test_train(tmp_path, capsys, disk_full):
    image = _image(tmp_path)
    model = tmp_path / "m.safetensors"
    assert main(["train", str(image), "--model", str(model), *_TRAIN]) == 2
    _check(capsys.readouterr().err, model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif"]


def test_denoise_train(tmp_path, capsys, disk_full):
    image = _image(tmp_path)
    out = tmp_path / "out"
    assert main(["denoise", str(image), "--train", "-o", str(out), *_TRAIN]) == 2
    _check(capsys.readouterr().err, out / "sdap_model.safetensors")
    assert not (out / "sdap_model.safetensors").exists()
