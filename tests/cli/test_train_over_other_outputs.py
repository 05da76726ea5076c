"""`denoise --train -o DIR` over outputs another model made there is refused before it trains
(each output was refused as out of date only after the training); with --overwrite it trains
and replaces them."""

from __future__ import annotations

from cli_fixtures import digest, model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main

_FAST = ["--device", "cpu", "--threads", "1"]
_TRAIN = ["--train", "--preset", "tiny", "--steps", "2", "--no-student", *_FAST]


def test_train_over_another_models_outputs_is_refused_before_training(stacks, model_file,
                                                                       tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["denoise", *map(str, stacks), "-o", str(out), "--model", str(model_file),
                 *_FAST]) == 0
    before = {p.name: digest(p) for p in out.glob("*_sdap.tif")}
    capsys.readouterr()
    assert main(["denoise", *map(str, stacks), "-o", str(out), *_TRAIN]) != 0
    err = capsys.readouterr().err
    assert "3 output(s) of this run already exist" in err and "--overwrite" in err
    assert not (out / "sdap_model.safetensors").exists()  # refused before any training
    assert {p.name: digest(p) for p in out.glob("*_sdap.tif")} == before
    assert main(["denoise", *map(str, stacks), "-o", str(out), *_TRAIN, "--overwrite"]) == 0
    assert (out / "sdap_model.safetensors").is_file()
    assert {p.name: digest(p) for p in out.glob("*_sdap.tif")} != before


def test_a_rerun_of_the_same_training_still_resumes(stacks, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["denoise", *map(str, stacks), "-o", str(out), *_TRAIN]) == 0
    capsys.readouterr()
    assert main(["denoise", *map(str, stacks), "-o", str(out), *_TRAIN]) == 0
    assert "3 already done" in capsys.readouterr().err


def test_an_unknown_file_at_an_output_is_refused_before_training(stacks, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "cell0_sdap.tif").write_bytes(b"not ours")
    assert main(["denoise", *map(str, stacks), "-o", str(out), *_TRAIN]) != 0
    assert "1 output(s) of this run already exist" in capsys.readouterr().err
    assert not (out / "sdap_model.safetensors").exists()
    assert (out / "cell0_sdap.tif").read_bytes() == b"not ours"
