"""`denoise --train` and the model file in the output folder: a model the batch did not train,
a model deleted by hand, training inputs that could not be read."""

from __future__ import annotations

import json

from napari_sdap.cli import main
from napari_sdap.paths import sha256_file

from .helpers import digest, folder_state
from .test_cli_batches import FAST, _one_error_line, _tif


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


def test_an_unreadable_training_input_is_not_a_training_input(tmp_path, capsys):
    """The record listed an unreadable file among the model's inputs: once it was deleted, the
    documented resume was refused, "trained on other inputs ... 1 removed"."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for i in range(2):
        _tif(raw / f"c{i}.tif", (40, 40), "YX", i)
    (raw / "bad.tif").write_text("broken")
    args = ["denoise", str(raw), "--train", "--output", str(out), *FAST]
    assert main(args) == 1
    model = json.loads((out / "sdap_run.json").read_text())["trained_model"]
    assert sorted(model["inputs"]) == [str(raw / "c0.tif"), str(raw / "c1.tif")]
    assert list(model["unreadable"]) == [str(raw / "bad.tif")]
    sha = sha256_file(out / "sdap_model.safetensors")
    assert main(args) == 1  # still broken: the model is reused, the file fails again
    (raw / "bad.tif").unlink()
    capsys.readouterr()
    assert main(args) == 0  # deleted: the batch resumes with its model
    assert sha256_file(out / "sdap_model.safetensors") == sha
    _tif(raw / "bad.tif", (40, 40), "YX", 5)  # a readable file now: an added input
    capsys.readouterr()
    assert main(args) == 2
    _one_error_line(capsys.readouterr().err, "1 added: bad.tif", "--retrain")


def test_the_trained_model_resumes_however_its_inputs_are_named(trained, tmp_path, capsys,
                                                                 monkeypatch):
    """`trained_model.inputs` was keyed by the path as typed: `$PWD/raw`, `raw` from the folder
    above, or a link to the folder were "other inputs" and the resume was refused."""
    raw, out, args = trained
    model = digest(out / "sdap_model.safetensors")
    link = tmp_path / "link"
    link.symlink_to(raw)
    monkeypatch.chdir(tmp_path)
    for given in ("raw", str(link), "./raw/"):
        (out / "c0_sdap.tif").unlink()  # one output to make again: the model is needed
        capsys.readouterr()
        assert main(["denoise", given, *args[2:]]) == 0, capsys.readouterr().err
        assert "1 denoised" in capsys.readouterr().err  # with the model trained before
        assert digest(out / "sdap_model.safetensors") == model


def test_a_record_naming_inputs_relative_to_its_run_still_resumes(trained, capsys):
    """Records written before named the trained inputs as typed, relative to the run's folder."""
    raw, out, args = trained
    path = out / "sdap_run.json"
    data = json.loads(path.read_text())
    cwd = str(raw.parent)
    data["runs"][-1]["cwd"] = cwd
    data["trained_model"]["inputs"] = {
        k.replace(cwd + "/", ""): v for k, v in data["trained_model"]["inputs"].items()}
    assert all(not k.startswith("/") for k in data["trained_model"]["inputs"])
    path.write_text(json.dumps(data))
    (out / "c0_sdap.tif").unlink()
    capsys.readouterr()
    assert main(args) == 0
    assert "1 denoised" in capsys.readouterr().err


def test_a_folder_at_the_model_path_is_refused_before_anything_moves(trained, capsys):
    """`--retrain` with a folder at DIR/sdap_model.safetensors moved the outputs aside and
    trained, then failed asking for a path --train cannot take."""
    _, out, args = trained
    model = out / "sdap_model.safetensors"
    model.unlink()
    model.mkdir()
    before = folder_state(out)
    capsys.readouterr()
    assert main([*args, "--retrain"]) == 2
    _one_error_line(capsys.readouterr().err, "is a folder", "move it away")
    assert folder_state(out) == before
