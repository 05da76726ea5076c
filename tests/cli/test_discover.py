"""Input discovery and output naming."""

from __future__ import annotations

from pathlib import Path

import pytest

from napari_sdap.cli.discover import check_outputs_unique, find_inputs, output_path, stem
from napari_sdap.errors import InputError


def _touch(folder: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        p = folder / name
        if name.endswith(".zarr"):
            p.mkdir()
        else:
            p.write_bytes(b"x")
        out.append(p)
    return out


def test_files_folders_and_globs(tmp_path: Path) -> None:
    a, b, c, _, _ = _touch(tmp_path, "a.tif", "b.ome.tif", "c.zarr", ".hidden.tif", "notes.txt")
    assert find_inputs([str(tmp_path)]) == [a, b, c]
    assert find_inputs([str(tmp_path / "*.tif")]) == [a, b]
    # named twice (file + folder) -> once; an explicit file is kept even if hidden
    assert find_inputs([str(a), str(tmp_path)]) == [a, b, c]
    assert find_inputs([str(tmp_path)], exclude=[b]) == [a, c]


def test_nothing_found_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        find_inputs([str(tmp_path / "missing.tif")])
    with pytest.raises(InputError, match="matches no images"):
        find_inputs([str(tmp_path / "*.tif")])
    with pytest.raises(InputError, match="holds no images"):
        find_inputs([str(tmp_path)])


def test_output_names(tmp_path: Path) -> None:
    assert stem("x/a.ome.tif") == "a"
    assert stem("b.tiff") == "b"
    assert stem("c.ome.zarr") == "c"
    assert output_path(Path("in/a.ome.tif"), tmp_path, "tif") == tmp_path / "a_sdap.tif"
    assert output_path(Path("in/a.npy"), tmp_path, "zarr") == tmp_path / "a_sdap.ome.zarr"


def test_colliding_outputs_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    a, b = _touch(tmp_path, "a.tif", "x/a.tiff")
    with pytest.raises(InputError, match="both be written"):
        check_outputs_unique([a, b], tmp_path / "out", "tif")
    # an earlier output given as input again: a.tif would be written onto a_sdap.tif
    with pytest.raises(InputError, match="overwrite the input"):
        check_outputs_unique([a, tmp_path / "a_sdap.tif"], tmp_path, "tif")
