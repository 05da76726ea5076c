"""A model file or package name that is a symbolic link to nothing (a moved or unmounted file)
passed the "already exists" check (`exists()` is False for it) and the save, which keeps
existing names, failed on it after all the work: `napari-sdap train` lost the model it had
trained, saying the file "was saved while this one was written". It is refused first."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.errors import OutputError


def _broken(tmp_path: Path, name: str) -> Path:
    link = tmp_path / name
    link.symlink_to(tmp_path / "unmounted" / name)
    return link


def test_cli_train_refuses_a_broken_link_before_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path / "cell.tif", seed=0, planes=2, size=48)
    link = _broken(tmp_path, "m.safetensors")
    with mock.patch("napari_sdap.cli.train.train_on", side_effect=AssertionError("trained")):
        code = main(["train", str(tmp_path / "cell.tif"), "--model", str(link), "--preset",
                     "tiny", "--steps", "2", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code != 0 and "does not exist" in err and "link" in err, err
    assert "Traceback" not in err and "saved while" not in err
    assert link.is_symlink() and not link.exists()  # left as it was


def test_cli_train_with_overwrite_replaces_the_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path / "cell.tif", seed=0, planes=2, size=48)
    link = _broken(tmp_path, "m.safetensors")
    code = main(["train", str(tmp_path / "cell.tif"), "--model", str(link), "--preset", "tiny",
                 "--steps", "2", "--device", "cpu", "--no-student", "--overwrite"])
    assert code == 0, capsys.readouterr().err
    assert link.is_file() and not link.is_symlink()
    napari_sdap.load_model(link)


def test_api_save_names_the_broken_link(model_file: Path, tmp_path: Path) -> None:
    model = napari_sdap.load_model(model_file)
    link = _broken(tmp_path, "m.safetensors")
    with pytest.raises(OutputError, match=r"link to .* does not exist") as err:
        model.save(link)
    assert "saved while" not in str(err.value)
    assert model.save(link, overwrite=True) == link and not link.is_symlink()


def test_export_refuses_a_broken_link_before_any_work(model_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")
    model = napari_sdap.load_model(model_file)
    link = _broken(tmp_path, "m.zip")
    sample = np.random.default_rng(0).normal(0.5, 0.1, (64, 64)).astype(np.float32)
    with mock.patch("napari_sdap.api.bmz.export._build", side_effect=AssertionError("built")), \
            pytest.raises(OutputError, match=r"link to .* does not exist"):
        model.export_bmz(link, sample=sample)
    assert os.path.islink(link) and not link.exists()
