"""Path arguments and what a folder holds: empty paths, links, duplicates."""

from __future__ import annotations

import os

import pytest

from napari_sdap.cli import main


@pytest.mark.parametrize("argv", [
    ["denoise", "IN", "--model", "M", "--output", ""],
    ["denoise", "", "--model", "M", "--output", "OUT"],
    ["denoise", "IN", "--model", "", "--output", "OUT"],
    ["train", "IN", "--model", ""],
    ["info", ""],
])
def test_an_empty_path_is_a_usage_error(argv, tmp_path, monkeypatch, capsys) -> None:
    """`-o "$OUT"` with OUT unset wrote the outputs and the record into the current folder; an
    empty INPUT denoised every image there."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "IN").mkdir()
    argv = [str(tmp_path / a) if a in ("IN", "OUT", "M") else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not empty" in err and "current folder" in err
    assert sorted(os.listdir(tmp_path)) == ["IN"]  # nothing written anywhere
