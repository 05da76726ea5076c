"""`denoise --train` and the model file in the output folder: a model the batch did not train,
a model deleted by hand, training inputs that could not be read."""

from __future__ import annotations

import pytest

from napari_sdap.cli import main

from .helpers import digest, folder_state
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


def test_a_model_the_batch_did_not_train_is_never_replaced(tmp_path, model_file, capsys):
    """docs/cli.md: --overwrite does not replace the model; yet `--train --overwrite` replaced
    a sdap_model.safetensors the user kept in the folder, as the refusal had suggested."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    _tif(raw / "c0.tif", (40, 40), "YX")
    mine = out / "sdap_model.safetensors"
    mine.write_bytes(model_file.read_bytes())
    before = digest(mine)
    for extra in ([], ["--overwrite"]):
        capsys.readouterr()
        assert main(["denoise", str(raw), "--train", "--output", str(out), *FAST, *extra]) == 2
        _one_error_line(capsys.readouterr().err, "was not trained by this batch",
                        "not even with --overwrite", "move it away", f"--model {mine}")
        assert digest(mine) == before and not (out / "c0_sdap.tif").exists()


def test_a_changed_model_without_outputs_is_not_replaced(trained, model_file, capsys):
    _, out, args = trained
    for p in out.glob("*_sdap.tif"):
        p.unlink()  # no output made with the trained model any more
    mine = out / "sdap_model.safetensors"
    mine.write_bytes(model_file.read_bytes())  # another model put there by hand
    capsys.readouterr()
    assert main([*args, "--overwrite"]) == 2
    _one_error_line(capsys.readouterr().err, "changed since", "not even with --overwrite")
    assert digest(mine) == digest(model_file)


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
