"""A model file or package name over 255 bytes (no file system takes it) ended `napari-sdap
train` and `export` in "unexpected error (OSError: [Errno 36] File name too long ...)" and
`save` / `export_bmz` in a raw OSError: the "already exists" checks stat the name, which raises
for it. Each is an OutputError naming the length and the limit, before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.errors import OutputError

LONG = "b" * 300


@pytest.mark.parametrize("command", ["train", "export"])
def test_cli_names_the_limit_in_one_line(model_file: Path, tmp_path: Path, command: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path / "cell.tif", seed=0, planes=2, size=48)
    if command == "train":
        args = ["train", str(tmp_path / "cell.tif"), "--model",
                str(tmp_path / f"{LONG}.safetensors"), "--preset", "tiny", "--steps", "1",
                "--device", "cpu"]
    else:
        pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")
        args = ["export", str(model_file), str(tmp_path / f"{LONG}.zip"), "--sample",
                str(tmp_path / "cell.tif")]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and "bytes long" in err and "at most 255" in err, err
    assert "unexpected error" not in err and "Traceback" not in err


def test_api_save_and_export_are_output_errors(model_file: Path, tmp_path: Path) -> None:
    model = napari_sdap.load_model(model_file)
    with pytest.raises(OutputError, match="at most 255"):
        model.save(tmp_path / f"{LONG}.safetensors")
    pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")
    sample = np.random.default_rng(0).normal(0.5, 0.1, (64, 64)).astype(np.float32)
    with pytest.raises(OutputError, match="at most 255"):
        model.export_bmz(tmp_path / f"{LONG}.zip", sample=sample)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
