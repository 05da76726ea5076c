"""Outputs the run record does not vouch for: a user's file at the name of a failed entry, an
output of ours the record never marked done, an output made from another data set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import tifffile
from cli_fixtures import digest, model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main
from napari_sdap.cli.ownership import same_input


def _args(inputs: Path, model: Path, out: Path, *extra: str) -> list[str]:
    return ["denoise", str(inputs), "--model", str(model), "--output", str(out),
            "--device", "cpu", "--threads", "1", *extra]


def _entry(out: Path, name: str) -> dict:
    return json.loads((out / "sdap_run.json").read_text())["files"][name]


def test_a_users_file_at_a_failed_output_is_not_replaced(stacks, model_file, tmp_path,
                                                         capsys):
    """repro: the input failed, the user made that output by hand, fixed the input and ran
    the command again: the file was replaced without --overwrite."""
    raw, out = stacks[0].parent, tmp_path / "out"
    good = stacks[0].read_bytes()
    stacks[0].write_text("not a tiff")
    assert main(_args(raw, model_file, out)) == 1
    mine = out / "cell0_sdap.tif"
    tifffile.imwrite(mine, np.full((8, 8), 42, np.uint8))
    before = digest(mine)
    stacks[0].write_bytes(good)  # the input fixed
    capsys.readouterr()
    assert main(_args(raw, model_file, out)) == 1
    err = capsys.readouterr().err
    assert f"output {mine} exists, but napari-sdap did not write it" in err
    assert "--overwrite" in err and digest(mine) == before
    assert main(_args(raw, model_file, out, "--overwrite")) == 0
    assert tifffile.imread(mine).shape == (3, 40, 40)


@pytest.mark.parametrize("fmt", ["tif", "zarr"])
def test_our_output_killed_before_the_record_said_done_is_redone(stacks, model_file, tmp_path,
                                                                 monkeypatch, capsys, fmt):
    """The documented race: an output renamed into place, then the process stopped before the
    record said done. The output carries its attempt's token: the run resumes."""
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file

    def stopped_after_the_rename(task, progress=None):
        real(task, progress)
        raise KeyboardInterrupt

    monkeypatch.setattr(denoise_cmd, "denoise_file", stopped_after_the_rename)
    assert main(_args(stacks[0], model_file, out, "--format", fmt)) == 130
    name = "cell0_sdap.tif" if fmt == "tif" else "cell0_sdap.ome.zarr"
    assert (out / name).exists() and _entry(out, name)["status"] == "interrupted"
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    capsys.readouterr()
    assert main(_args(stacks[0], model_file, out, "--format", fmt)) == 0
    assert "1 to denoise" in capsys.readouterr().err
    assert _entry(out, name)["status"] == "done"


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


@pytest.mark.parametrize("fmt", ["tif", "zarr"])
def test_an_earlier_attempts_output_still_resumes_after_a_later_attempt_stopped(
        stacks, model_file, tmp_path, monkeypatch, capsys, fmt):
    """repro: attempt 1 renamed its output into place and was killed; attempt 2 was stopped
    before its own rename; attempt 3 refused attempt 1's output as "not written by
    napari-sdap" (only the latest token was kept)."""
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file

    def stopped_after_the_rename(task, progress=None):
        real(task, progress)
        raise KeyboardInterrupt

    def stopped_before_the_rename(task, progress=None):
        raise KeyboardInterrupt

    name = "cell0_sdap.tif" if fmt == "tif" else "cell0_sdap.ome.zarr"
    monkeypatch.setattr(denoise_cmd, "denoise_file", stopped_after_the_rename)
    assert main(_args(stacks[0], model_file, out, "--format", fmt)) == 130
    first = _entry(out, name)["attempt"]
    monkeypatch.setattr(denoise_cmd, "denoise_file", stopped_before_the_rename)
    assert main(_args(stacks[0], model_file, out, "--format", fmt)) == 130
    assert _entry(out, name)["attempt"] != first
    assert _entry(out, name)["earlier_attempts"] == [first]
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    capsys.readouterr()
    assert main(_args(stacks[0], model_file, out, "--format", fmt)) == 0
    assert "1 to denoise" in capsys.readouterr().err
    assert _entry(out, name)["status"] == "done"


def test_a_zarr_output_is_ours_only_for_its_exact_token(stacks, model_file, tmp_path, capsys):
    """repro: a record entry whose token is a short string ('1') made any zarr store at the
    output name "ours" (the token only had to appear in its metadata): replaced without
    --overwrite."""
    import zarr

    out = tmp_path / "out"
    assert main(_args(stacks[0], model_file, out, "--format", "zarr")) == 0
    name = "cell0_sdap.ome.zarr"
    record = json.loads((out / "sdap_run.json").read_text())
    record["files"][name].update(status="failed", attempt="1")
    (out / "sdap_run.json").write_text(json.dumps(record))
    import shutil

    shutil.rmtree(out / name)
    zarr.create_array(str(out / name), shape=(8, 8), dtype="f4",
                      attributes={"user": "my own result, version 1"})[:] = 7
    capsys.readouterr()
    assert main(_args(stacks[0], model_file, out, "--format", "zarr")) == 1
    assert "did not write it" in capsys.readouterr().err
    assert "my own result" in (out / name / "zarr.json").read_text()
