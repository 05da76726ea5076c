"""`napari-sdap train` and `napari-sdap info`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main

TINY = ["--preset", "tiny", "--steps", "3", "--width", "8", "--blocks", "1", "--device", "cpu"]


def test_train_writes_a_model_and_shows_the_noise(stacks: list[Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--seed", "3", *TINY]) == 0
    err = capsys.readouterr().err
    assert "noise looks" in err and "-> stride" in err
    assert out.is_file() and "sha256" in err
    from napari_sdap.api import load_model

    model = load_model(out)
    assert re.search(r"file\(s\), 3( \+ \d+ student)? steps\n", err), err  # (the teacher's
    # steps as asked, the student's apart: they were announced as one sum)
    assert model.record.steps == 3 and model.config.seed == 3
    assert model.config.network.width == 8 and model.config.network.blocks == 1
    assert [t.split(":")[0] for t in model.record.trained_on] == [p.name for p in stacks]


def test_train_takes_the_loss(stacks: list[Path], tmp_path: Path) -> None:
    from napari_sdap.api import load_model

    for loss in ("l2", None):
        out = tmp_path / f"{loss}.safetensors"
        extra = ["--loss", loss] if loss else []
        assert main(["train", str(stacks[0]), "--model", str(out), *TINY, *extra]) == 0
        assert load_model(out).config.training.loss == (loss or "l1")
    assert main(["train", str(stacks[0]), "--model", str(tmp_path / "x.safetensors"), *TINY,
                 "--loss", "l3"]) == 2


def test_train_refuses_to_replace_a_model(stacks: list[Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"precious")
    assert main(["train", str(stacks[0]), "--model", str(out), *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: model file {out} already exists; pass --overwrite or choose "
                   f"another --model name"]
    assert out.read_bytes() == b"precious"


def test_train_refuses_a_model_named_like_an_image_before_training(
        stacks: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.tif"
    assert main(["train", str(stacks[0]), "--model", str(out), *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ends like an image (.tif)" in err[0]
    assert str(tmp_path / "m.safetensors") in err[0] and "noise looks" not in err[0]
    assert not out.exists()


def test_train_into_a_folder_it_cannot_write_stops_before_training(
        stacks: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole training ran, then the model could not be saved (and was lost)."""
    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    assert main(["train", str(stacks[0]), "--model", str(tmp_path / "m.safetensors"),
                 *TINY]) == 2
    err = capsys.readouterr().err
    assert "cannot write into" in err and "Permission denied" in err and "noise looks" not in err


def test_train_on_a_bad_file_writes_no_model(stacks: list[Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = stacks[0].parent / "broken.tif"
    bad.write_bytes(b"II*\x00" + b"\xff" * 200)  # a TIFF header and garbage
    out = tmp_path / "m.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), *TINY]) == 1
    err = capsys.readouterr().err
    assert f"error: {bad}: " in err and "Traceback" not in err
    assert not out.exists()


def test_train_wrong_axes(stacks: list[Path], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.safetensors"
    assert main(["train", str(stacks[0]), "--axes", "YX", "--model", str(out), *TINY]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"error: {stacks[0]}: ") and "axes 'YX'" in lines[0]
    assert not out.exists()


def test_info_text_and_json(model_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.paths import sha256_file

    assert main(["info", str(model_file)]) == 0
    text = capsys.readouterr().out
    for needle in ("sha256    " + sha256_file(model_file), "width 8, blocks 1", "3 steps",
                   "normalisation  [", "noise     ", "detail    detail restore on: noise std ",
                   "threshold 1.5", "versions  napari_sdap"):
        assert needle in text
    loss = re.search(r"final loss (\S+),", text).group(1)
    assert len(loss.replace(".", "").lstrip("0")) <= 4, loss  # four digits, not float repr
    assert main(["info", str(model_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["sha256"] == sha256_file(model_file)
    assert info["config"]["training"]["stride"] == 2
    assert info["record"]["steps"] == 3 and len(info["normalization"]["low"]) == 1
    assert info["noise"].startswith("noise not analysed")  # stride was set by hand
    assert len(info["noise_curve"]["variance"][0][0]) >= 1
    assert "3-D along" not in text


def test_info_says_a_model_is_3d(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import create_model

    path = create_model("tiny", width=8, blocks=1, dims=3).save(tmp_path / "v.safetensors")
    assert main(["info", str(path)]) == 0
    assert "; 3-D along Z: 1 plane(s) of context each side, 1 apart" in capsys.readouterr().out


@pytest.mark.parametrize("content", [None, b"not a model"])
def test_info_bad_model_is_one_line(tmp_path: Path, content: bytes | None,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.safetensors"
    if content is not None:
        path.write_bytes(content)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(path) in err[0]


def test_usage_errors_return_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["denoise", "x.tif", "--output", "o"]) == 2  # neither --model nor --train
    assert main(["--version"]) == 0
    assert "napari-sdap" in capsys.readouterr().out
    assert main(["-V"]) == 0 and "napari-sdap" in capsys.readouterr().out


def test_info_shows_the_student_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    import numpy as np

    import napari_sdap

    rng = np.random.default_rng(0)
    xx = np.mgrid[:96, :96][1]
    image = (0.5 + 0.3 * np.sin(xx / 5.0) + rng.normal(0, 0.1, (96, 96))).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=30, stride=1, width=8, blocks=1,
                              batch_size=2, patch_size=32, student=True, student_steps=150,
                              student_check=False, restore_detail=False)
    path = model.save(tmp_path / "m.sdap")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    check = model.record.student_check
    assert f"checked on {int(check['pixels']):,} held-out pixels" in out
    assert f"{100 * check['excess']:+.1f} % of the noise variance" in out


def test_no_check_student_turns_the_held_out_check_off(stacks: list[Path],
                                                       tmp_path: Path) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "plain.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--no-check-student",
                 *TINY]) == 0
    assert load_model(out).config.student.student_check is False
    again = tmp_path / "check.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(again), *TINY]) == 0
    assert load_model(again).config.student.student_check is True


def test_precision_float32_is_kept_and_recorded(stacks: list[Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "f32.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--precision", "float32",
                 *TINY]) == 0
    model = load_model(out)
    assert model.config.training.precision == "float32"
    assert model.record.precision == "float32"
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "steps in float32" in capsys.readouterr().out


def test_frames_are_kept_and_the_blur_reads_the_noise_from_them(
        stacks: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "frames.safetensors"
    assert main(["train", str(stacks[0]), "--model", str(out), "--frames", "--stride", "2",
                 *TINY]) == 0
    model = load_model(out)
    assert model.config.training.frames is True
    assert model.record.output_blur["frames"] == 1.0  # the planes of the ZYX stack are frames
    plain = tmp_path / "plain.safetensors"
    assert main(["train", str(stacks[0]), "--model", str(plain), "--stride", "2", *TINY]) == 0
    assert load_model(plain).config.training.frames is False
    capsys.readouterr()


def test_target_blur_is_kept_and_info_shows_it(stacks: list[Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import load_model

    out = tmp_path / "blur.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--target-blur", "0.9",
                 "--stride", "1", *TINY]) == 0
    model = load_model(out)
    assert model.config.student.target_blur == 0.9
    assert model.record.target_blur == {"sigma": 0.9}


def test_info_shows_the_target_blur(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    import napari_sdap

    rng = np.random.default_rng(0)
    xx = np.mgrid[:96, :96][1]
    image = (0.5 + 0.3 * np.sin(xx / 5.0) + rng.normal(0, 0.1, (96, 96))).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=30, stride=1, width=8, blocks=1,
                              batch_size=2, patch_size=32, student=True, student_steps=150,
                              student_check=False, target_blur=0.9)
    assert model.student is not None
    assert main(["info", str(model.save(tmp_path / "m.sdap"))]) == 0
    assert "distilled from the teacher's result blurred by 0.9 px\n" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["4", "-1", "much"])
def test_a_bad_target_blur_is_a_usage_error(value: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(tmp_path), "--model", str(tmp_path / "m.safetensors"),
                 f"--target-blur={value}"]) == 2
    assert "standard deviation of 0-3 pixels" in capsys.readouterr().err


def test_info_shows_the_output_blur(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import napari_sdap
    from napari_sdap.infer.smoothing import Smoothing

    monkeypatch.setattr("napari_sdap.api.output_blur.choose_output_blur",
                        lambda run, windows, curve, **kw: Smoothing(1.5, 0.012, 0.003, 9000))
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.1, (97, 97))
    image = (0.5 + (w[:-1, :-1] + w[1:, :-1] + w[:-1, 1:] + w[1:, 1:]) / 2).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=20, stride=2, width=8,
                              blocks=1, batch_size=2, patch_size=32)
    assert main(["info", str(model.save(tmp_path / "m.sdap"))]) == 0
    assert ("then the output blurred by 1.5 px (estimated error 1.2 % of the noise variance "
            "lower, standard error 0.3 %)") in capsys.readouterr().out


def test_info_shows_the_mix_with_the_blurred_input(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import napari_sdap
    from napari_sdap.infer.mixing import Mix

    def fixed(pairs, **kw):
        list(pairs)
        return Mix(2.5, 0.35, 0.011, 0.002, 9000)

    monkeypatch.setattr("napari_sdap.api.output_mix.choose_mix", fixed)
    image = np.random.default_rng(0).poisson(4.0, (96, 96)).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=20, stride=1, student=False,
                              width=8, blocks=1, batch_size=2, patch_size=32)
    assert main(["info", str(model.save(tmp_path / "m.sdap"))]) == 0
    assert ("then 35 % of the input blurred by 2.5 px mixed in (estimated error 1.1 % lower, "
            "standard error 0.2 %)") in capsys.readouterr().out


def test_scanner_noise_is_whitened_unless_told_not_to(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    import tifffile
    from scipy.signal import lfilter

    from napari_sdap.api import load_model

    yy, xx = np.mgrid[:128, :128]
    clean = 100 + 40 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    noise = lfilter([1.0], [1.0, -0.6], np.random.default_rng(0).normal(0, 8, clean.shape), axis=1)
    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, (clean + noise).astype(np.float32))
    whitened, plain = tmp_path / "w.safetensors", tmp_path / "p.safetensors"
    assert main(["train", str(path), "--model", str(whitened), *TINY, "--no-student"]) == 0
    assert "correlated along X only (whitened along it)" in capsys.readouterr().err
    assert load_model(whitened).config.inference.whiten_axis == "X"
    assert main(["train", str(path), "--model", str(plain), *TINY, "--no-student",
                 "--no-whiten"]) == 0
    model = load_model(plain)
    assert model.whitening is None and model.config.training.whiten is False
    assert model.config.training.stride > 1
    capsys.readouterr()
    assert main(["info", str(whitened)]) == 0
    shown = capsys.readouterr().out
    assert "whitened along it" in shown and "input whitened along X (AR(1) coefficient" in shown


def test_an_unexpected_error_is_one_line_and_its_traceback_on_debug(
        stacks: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import napari_sdap.cli.train as train

    def broken(*args: object) -> int:
        raise ValueError("a fault of the software")

    monkeypatch.setattr(train, "run_train", broken)
    command = ["train", str(stacks[0]), "--model", str(tmp_path / "m.safetensors")]
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "unexpected error (ValueError: a fault of the software)" in err
    assert "--debug" in err and "Traceback" not in err
    with pytest.raises(ValueError, match="a fault of the software"):
        main([*command, "--debug"])


def test_dims_3_names_the_file_without_a_stack(stacks: list[Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    import tifffile

    flat = stacks[0].parent / "overview.tif"
    tifffile.imwrite(flat, np.random.default_rng(0).normal(100, 8, (48, 48)).astype(np.float32))
    out = tmp_path / "m.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--dims", "3",
                 *TINY]) == 2
    err = capsys.readouterr().err
    assert "overview.tif: a 3-D model needs a Z axis" in err and "use --dims 2" in err
    assert not out.exists()


@pytest.mark.parametrize("kind", ["nan", "bool", "strip"])
def test_train_names_the_bad_file_among_many(stacks: list[Path], tmp_path: Path, kind: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A NaN, a bool or a too-small file among many was reported without its name."""
    import numpy as np
    import tifffile

    bad = tmp_path / "raw" / "zbad.tif"
    data = tifffile.imread(stacks[0])
    if kind == "nan":
        data[1, 5, 5] = np.nan
    elif kind == "bool":
        data = data > 0.5
    else:
        data = data[0, :1, :]
    tifffile.imwrite(bad, data, photometric="minisblack")
    out = tmp_path / "m.safetensors"
    assert main(["train", str(stacks[0].parent), "--model", str(out), "--stride", "1",
                 *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(bad) in err[0], err
    assert not out.exists()
