"""`denoise --train` and the model file in the output folder: a model the batch did not train,
a model deleted by hand, training inputs that could not be read."""

from __future__ import annotations

import pytest

from napari_sdap.cli import main

from .helpers import folder_state
from .test_cli_batches import FAST, _one_error_line, _tif


@pytest.fixture(name="trained")
def trained_fixture(tmp_path):
    """A finished `denoise --train` batch of two files: (inputs, output folder, command)."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for i in range(2):
        _tif(raw / f"c{i}.tif", (2, 40, 40), "ZYX", i)
    args = ["denoise", str(raw), "--train", "--output", str(out), *FAST]
    assert main(args) == 0
    return raw, out, args


def test_a_deleted_model_is_called_missing(trained, capsys):
    """The refusal said "(the model file changed)" and suggested --model <the deleted file>."""
    _, out, args = trained
    (out / "sdap_model.safetensors").unlink()
    before = folder_state(out)
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    _one_error_line(err, "is missing (deleted or moved)", "put it back", "--retrain")
    assert "--model" not in err and "changed" not in err
    assert folder_state(out) == before
    assert main([*args, "--retrain"]) == 0  # the way on it names
    assert (out / "sdap_model.safetensors").is_file()
    assert sorted(p.name for p in out.glob("*_sdap.tif")) == ["c0_sdap.tif", "c1_sdap.tif"]
