"""An empty file argument (an unset shell variable) is refused in words that fit the argument:
`--reference ""` was told "e.g. model.safetensors" (a reference is a clean image), and export's
model, package and sample were told "give '.' for the current folder" (none can be a folder
given as '.')."""

from __future__ import annotations

import pytest

from napari_sdap.cli import main

_CASES = [
    (["denoise", "a.tif", "--model", "m.safetensors", "-o", "out", "--qc", "--reference", ""],
     "--reference"),
    (["export", "", "p.zip", "--sample", "a.tif"], "MODEL"),
    (["export", "m.safetensors", "", "--sample", "a.tif"], "OUT.zip"),
    (["export", "m.safetensors", "p.zip", "--sample", ""], "--sample"),
]


@pytest.mark.parametrize(("argv", "name"), _CASES)
def test_empty_file_arguments_name_a_file(tmp_path, monkeypatch, capsys, argv, name):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"argument {name}: must be a file path, not empty" in err
    assert "give the file's name" in err
    assert "model.safetensors" not in err and "give '.'" not in err
    assert list(tmp_path.iterdir()) == []
