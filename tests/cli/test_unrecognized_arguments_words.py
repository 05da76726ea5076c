"""Arguments left over were refused in the top parser's name ("see napari-sdap --help"), and an
input typed between the options (`denoise a.tif --model m b.tif -o out`) was only an
"unrecognized argument". The command's own help is named, with what to do for such inputs."""

from __future__ import annotations

import pytest

from napari_sdap.cli import main


@pytest.mark.parametrize(("argv", "words"), [
    (["denoise", "a.tif", "--model", "m.safetensors", "b.tif", "-o", "out"],
     "error: unrecognized arguments: b.tif (the INPUT files go together, before or after the "
     "options); see napari-sdap denoise --help"),
    (["train", "a.tif", "--model", "m.safetensors", "b.tif"],
     "error: unrecognized arguments: b.tif (the INPUT files go together, before or after the "
     "options); see napari-sdap train --help"),
    (["info", "m.safetensors", "extra"],
     "error: unrecognized arguments: extra; see napari-sdap info --help"),
    (["denoise", "a.tif", "--model", "m.safetensors", "-o", "out", "--bogus"],
     "error: unrecognized arguments: --bogus; see napari-sdap denoise --help"),
])
def test_left_over_arguments_name_the_command(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == words
    assert list(tmp_path.iterdir()) == []
