"""`napari-sdap info` printed a model file's name raw: a newline in it split the `model` line
in two and a terminal escape reached the terminal (the report lines escape them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main


def test_info_escapes_a_newline_and_an_escape_in_the_name(tmp_path: Path, model_file,
                                                          capsys) -> None:
    odd = tmp_path / "a\x1b[31mb\nc.sdap"
    try:
        shutil.copyfile(model_file, odd)
    except OSError:
        pytest.skip("this file system refuses these characters in names")
    assert main(["info", str(odd)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    first = out.splitlines()[0]
    assert first.startswith("model ") and "a\\x1b[31mb\\nc.sdap" in first and "MB" in first
