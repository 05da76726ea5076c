"""`denoise --model M -o NEW` with a model file that exists but cannot be loaded (cut short,
an image given as the model, a folder) made the output folder and an empty run record before
refusing the model; only a missing model was refused first. Nothing is made now."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main


def _damaged(tmp_path):
    path = tmp_path / "cut.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")
    return path, "not a readable napari-sdap model file"


def _image(tmp_path):
    path = tmp_path / "m.tif"
    tifffile.imwrite(path, np.zeros((16, 16), np.float32))
    return path, "is a TIFF image, not a model file"


def _folder(tmp_path):
    path = tmp_path / "models"
    path.mkdir()
    return path, "is a folder, not a model file"


@pytest.mark.parametrize("make", [_damaged, _image, _folder])
def test_unloadable_model_leaves_no_output_folder(tmp_path, capsys, make):
    img = tmp_path / "img.tif"
    tifffile.imwrite(img, np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32))
    model, words = make(tmp_path)
    out = tmp_path / "out"
    assert main(["denoise", str(img), "--model", str(model), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
