"""`denoise ... --train -o model.safetensors` (taking --output for the model's name) made a
folder `model.safetensors` holding the results and, inside it, the model. A new --output named
like a model file or package is refused before anything is made, naming a folder to give; a
folder of that name the user made is used."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main


@pytest.mark.parametrize("name", ["model.safetensors", "cells.ZIP", "net.pt"])
def test_new_output_named_like_a_model_is_refused(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("a.tif", np.zeros((16, 16), np.float32))
    assert main(["denoise", "a.tif", "--train", "-o", name]) == 2
    err = capsys.readouterr().err.strip()
    stem = name.rsplit(".", 1)[0]
    assert err == (f"error: --output {name} is named like a model file (.{name.rsplit('.', 1)[1]}"
                   f"), but it is the folder the results go into; the model is --model (--train "
                   f"saves it in that folder as sdap_model.safetensors): give a folder, e.g. "
                   f"--output {stem}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif"]


def test_existing_folder_of_such_a_name_is_used(tmp_path, monkeypatch):
    from napari_sdap.cli import discover

    monkeypatch.chdir(tmp_path)
    (tmp_path / "made.zip").mkdir()
    discover.check_output_folder(tmp_path / "made.zip", "tif")  # no error
