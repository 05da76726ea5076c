"""`denoise --train` refused before it began leaves no output folder it made."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tifffile

from napari_sdap.cli import main


def _junk(folder: Path) -> None:
    folder.mkdir()
    for name in ("a.tif", "b.tif"):
        (folder / name).write_bytes(b"not a tiff")


def test_all_training_inputs_unreadable(tmp_path: Path) -> None:
    _junk(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["denoise", str(tmp_path / "in"), "--train", "-o", str(out), "--device", "cpu",
                 "--steps", "2"])
    assert code == 2
    assert not out.exists()


def test_a_folder_that_was_there_stays(tmp_path: Path) -> None:
    _junk(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code = main(["denoise", str(tmp_path / "in"), "--train", "-o", str(out), "--device", "cpu",
                 "--steps", "2"])
    assert code == 2
    assert (out / "notes.txt").read_text() == "mine"


def test_a_folder_with_a_finished_run_stays(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    tifffile.imwrite(tmp_path / "in" / "a.tif",
                     np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32))
    out = tmp_path / "out"
    assert main(["denoise", str(tmp_path / "in"), "--train", "-o", str(out), "--device", "cpu",
                 "--steps", "2", "--preset", "tiny"]) == 0
    record = json.loads((out / "sdap_run.json").read_text())
    assert record["runs"] and record["files"]
