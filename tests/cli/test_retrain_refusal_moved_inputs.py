"""`denoise DIR --train -o OUT` rerun on a copy of the project (rsync to scratch, a share
mounted elsewhere): the refusal said "2 added: a.tif, b.tif; 2 removed: a.tif, b.tif", the same
names twice. It says the inputs are in another folder, naming both folders."""

from __future__ import annotations

import shutil

import numpy as np
import tifffile
from synthetic import noisy_sine

from napari_sdap.cli import main


def _train(root, capsys):
    argv = ["denoise", str(root / "data"), "--train", "-o", str(root / "out"), "--preset",
            "tiny", "--steps", "2", "--no-student", "--device", "cpu", "-q"]
    code = main(argv)
    return code, capsys.readouterr().err


def test_copied_project_names_the_two_folders(tmp_path, capsys):
    first = tmp_path / "first"
    (first / "data").mkdir(parents=True)
    for i, name in enumerate(("a.tif", "b.tif")):
        tifffile.imwrite(first / "data" / name,
                         (100 + 20 * noisy_sine(48, seed=i)).astype(np.float32))
    assert _train(first, capsys)[0] == 0
    copy = tmp_path / "copy"
    shutil.copytree(first, copy)
    (copy / "data" / "c.tif").write_bytes((copy / "data" / "a.tif").read_bytes())
    code, err = _train(copy, capsys)
    assert code == 2
    assert ("2 in another folder: a.tif, b.tif (trained from "
            f"{(first / 'data').resolve()}, given from {(copy / 'data').resolve()})") in err
    assert "1 added: c.tif" in err
    assert "removed" not in err
