"""`--noise-std`, `--noise-gain`, `--noise-offset`: a known noise level from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main

TINY = ["--preset", "tiny", "--steps", "3", "--width", "8", "--blocks", "1", "--device", "cpu"]


def test_the_level_is_kept_in_the_model_and_info_shows_it(
        stacks: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "known.safetensors"
    assert main(["train", str(stacks[0]), "--model", str(out), "--stride", "2",
                 "--noise-std", "0.05", "--noise-gain", "0.01", "--noise-offset", "0.1",
                 *TINY]) == 0
    t = load_model(out).config.training
    assert (t.noise_std, t.noise_gain, t.noise_offset) == (0.05, 0.01, 0.1)
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "(given: std 0.05, variance + 0.01 per unit above 0.1)" in capsys.readouterr().out


def test_denoise_with_training_takes_the_level(stacks: list[Path], tmp_path: Path) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "out"
    assert main(["denoise", str(stacks[0]), "--train", "--output", str(out), "--stride", "2",
                 "--noise-std", "0.05", *TINY]) == 0
    models = list(out.rglob("*.safetensors"))
    assert models and load_model(models[0]).config.training.noise_std == 0.05


@pytest.mark.parametrize(("args", "words"), [
    (["--noise-std", "-1"], "--noise-std: must be a number from 0 to 1e+10"),
    (["--noise-std", "nan"], "--noise-std: must be a number from 0"),
    (["--noise-offset=-1e11"], "--noise-offset: must be a number from -1e+10 to 1e+10"),
    (["--noise-gain", "x"], "--noise-gain: must be a number"),
    (["--noise-gain", "0.5"], "--noise-gain needs --noise-std as well (the read noise"),
    (["--noise-gain", "0.5", "--noise-offset", "1"], "--noise-gain and --noise-offset need"),
    (["--noise-std", "0"], "says the image has no noise"),
])
def test_bad_levels_are_one_line_usage_errors(args: list[str], words: str, stacks: list[Path],
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(stacks[0]), "--model", str(tmp_path / "m.safetensors"), *args,
                 *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
    assert not (tmp_path / "m.safetensors").exists()


def test_the_level_without_training_is_refused(model_file: Path, stacks: list[Path],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["denoise", str(stacks[0]), "--model", str(model_file), "--output", str(out),
                 "--noise-std", "0.05", "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--noise-std, --noise-gain and --noise-offset go with --train" in \
        err[0], err
    assert not out.exists() or not any(out.rglob("*.tif"))
