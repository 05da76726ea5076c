"""Outputs the run record does not vouch for: an output made from another data set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main
from napari_sdap.cli.ownership import same_input


def _args(inputs: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["denoise", str(inputs), "--model", str(model), "--output", str(out),
            "--device", "cpu", "--threads", "1", *extra]


def _entry(out: Path, name: str) -> dict:
    return json.loads((out / "sdap_run.json").read_text())["files"][name]


def test_a_second_data_set_of_the_same_names_is_not_taken_as_done(model_file, tmp_path,
                                                                  capsys):
    """setA/cell.tif and setB/cell.tif of the same size and time: the second was skipped as
    "already done", its output silently the first set's."""
    out = tmp_path / "out"
    for k, folder in enumerate(("setA", "setB")):
        (tmp_path / folder).mkdir()
        img = np.random.default_rng(k).normal(0.5, 0.1, (40, 40)).astype(np.float32)
        tifffile.imwrite(tmp_path / folder / "cell.tif", img)
        os.utime(tmp_path / folder / "cell.tif", ns=(10**18, 10**18))
    a, b = tmp_path / "setA" / "cell.tif", tmp_path / "setB" / "cell.tif"
    assert main(_args(tmp_path / "setA", model_file, out)) == 0
    capsys.readouterr()
    assert main(_args(tmp_path / "setB", model_file, out)) == 1
    err = capsys.readouterr().err
    assert f"made from another input, {a}, not {b}" in err and "--overwrite" in err
    assert main(_args(tmp_path / "setB", model_file, out, "--overwrite")) == 0
    assert _entry(out, "cell_sdap.tif")["input"] == str(b)
    assert main(_args(tmp_path / "setB", model_file, out)) == 0  # and now it is done


def test_a_relative_input_of_an_older_record_is_read_from_its_runs_folder(tmp_path):
    (tmp_path / "a.tif").write_bytes(b"")
    assert same_input("a.tif", str(tmp_path / "a.tif"), [str(tmp_path)])
    assert not same_input("a.tif", str(tmp_path / "a.tif"), [str(tmp_path / "elsewhere")])
    assert same_input(str(tmp_path / "x" / ".." / "a.tif"), str(tmp_path / "a.tif"), [])
