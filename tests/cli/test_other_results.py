"""Folders and patterns skip results napari-sdap wrote (another run's outputs), so a second run
over the same tree neither denoises nor trains on the first run's results; a file named
explicitly is still taken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main
from napari_sdap.cli.discover import find_inputs, is_output
from napari_sdap.errors import InputError


def _common(model: Path) -> list[str]:
    return ["--model", str(model), "--device", "cpu", "--threads", "1"]


def test_a_second_run_skips_the_first_runs_results(stacks, model_file, tmp_path, capsys):
    raw = stacks[0].parent
    pattern = str(raw / "**" / "*.tif")
    assert main(["denoise", pattern, "--output", str(raw / "v1"), *_common(model_file)]) == 0
    first = sorted((raw / "v1").glob("*_sdap.tif"))
    assert len(first) == 3 and all(is_output(p) for p in first)
    assert not any(is_output(p) for p in stacks)
    capsys.readouterr()
    assert main(["denoise", pattern, "--output", str(raw / "v2"), *_common(model_file)]) == 0
    err = capsys.readouterr().err
    assert "skipped 3 result(s) napari-sdap wrote" in err and "name a file" in err
    assert sorted(p.name for p in (raw / "v2").glob("*.tif")) == [
        "cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif"]  # no cell0_sdap_sdap.tif
    # a folder of results: refused with the fix; named explicitly: taken
    with pytest.raises(InputError, match=r"holds only results napari-sdap wrote \(3.*name the"):
        find_inputs([str(raw / "v1")])
    assert find_inputs([str(first[0])]) == [first[0]]
    assert find_inputs([str(raw / "v1")], results=True) == first


def test_a_renamed_result_is_still_skipped(stacks, model_file, tmp_path, capsys):
    raw = stacks[0].parent
    assert main(["denoise", str(raw), "--output", str(raw / "out"), *_common(model_file)]) == 0
    shutil.copy(raw / "out" / "cell0_sdap.tif", raw / "copied.tif")  # renamed: still a result
    capsys.readouterr()
    found = find_inputs([str(raw / "**" / "*.tif")])
    assert found == stacks


def test_unreadable_and_foreign_files_are_not_results(tmp_path):
    (tmp_path / "broken_sdap.tif").write_bytes(b"II*\x00" + b"\xff" * 40)
    (tmp_path / "empty.zarr").mkdir()
    assert not is_output(tmp_path / "broken_sdap.tif")
    assert not is_output(tmp_path / "empty.zarr")
    assert find_inputs([str(tmp_path)]) == [tmp_path / "broken_sdap.tif", tmp_path / "empty.zarr"]


def test_a_store_holding_one_result_among_other_arrays_is_an_input(tmp_path):
    """A result copied into a user's store next to their raw array does not make the whole
    store a result; a store napari-sdap wrote (record at its top) still is one."""
    import numpy as np
    import zarr

    from napari_sdap.api.provenance import SCHEMA
    from napari_sdap.io.outputs import open_output

    with open_output(tmp_path / "res.ome.zarr", (16, 16), axes="YX",
                     metadata={"schema": SCHEMA}) as sink:
        sink.array[:] = np.zeros((16, 16), np.float32)
    assert is_output(tmp_path / "res.ome.zarr")
    group = zarr.open_group(str(tmp_path / "cells.zarr"), mode="w", zarr_format=3)
    group.create_array("raw", shape=(16, 16), dtype="uint16")
    shutil.copytree(tmp_path / "res.ome.zarr" / "0", tmp_path / "cells.zarr" / "denoised")
    assert not is_output(tmp_path / "cells.zarr")
    assert find_inputs([str(tmp_path / "cells.zarr")]) == [tmp_path / "cells.zarr"]
    assert is_output(tmp_path / "cells.zarr" / "denoised")  # its level alone is a result
