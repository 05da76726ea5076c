"""Path arguments and what a folder holds: empty paths, links, duplicates."""

from __future__ import annotations

import os

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


@pytest.mark.parametrize(("argv", "says"), [
    (["denoise", "IN", "--model", "M", "--output", ""], "current folder"),
    (["denoise", "IN", "--model", "M", "--output", " "], "current folder"),
    (["denoise", "", "--model", "M", "--output", "OUT"], "current folder"),
    (["denoise", "  ", "--model", "M", "--output", "OUT"], "current folder"),
    (["denoise", "IN", "--model", "", "--output", "OUT"], "give the file's name"),
    (["train", "IN", "--model", ""], "give the file's name"),
    (["train", "IN", "--model", " "], "give the file's name"),
    (["info", ""], "give the file's name"),
    (["denoise", "IN", "--model", "M", "--output", "OUT", "--scheduler", ""],
     "leave --scheduler out"),
])
def test_an_empty_path_is_a_usage_error(argv, says, tmp_path, monkeypatch, capsys) -> None:
    """`-o "$OUT"` with OUT unset wrote the outputs and the record into the current folder; an
    empty INPUT denoised every image there; `-o ' '` made a folder named by a space; an empty
    --scheduler ran the batch locally; `--model ''` was told to "give '.'"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "IN").mkdir()
    argv = [str(tmp_path / a) if a in ("IN", "OUT", "M") else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ("not empty" in err or "not only spaces" in err)
    assert says in err and ("'.'" in err) == (says == "current folder")
    assert sorted(os.listdir(tmp_path)) == ["IN"]  # nothing written anywhere


def test_a_file_and_a_link_to_it_are_denoised_once_under_the_file_name(
        stacks, model_file, tmp_path, capsys) -> None:
    """A file and a link to it were denoised once, under the link's name, and a dangling
    link was skipped, both without a word."""
    raw, out = stacks[0].parent, tmp_path / "out"
    (raw / "a_link.tif").symlink_to(stacks[0].name)  # sorts before cell0.tif
    (raw / "dangling.tif").symlink_to(tmp_path / "gone.tif")
    assert main(["denoise", str(raw), "--model", str(model_file), "-o", str(out),
                 "--device", "cpu", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert sorted(p.name for p in out.glob("*.tif")) == ["cell0_sdap.tif", "cell1_sdap.tif",
                                                          "cell2_sdap.tif"]
    assert (f"warning: {raw / 'a_link.tif'}: skipped: the same file as {stacks[0]}" in err)
    assert f"warning: {raw / 'dangling.tif'}: skipped: a link to {tmp_path / 'gone.tif'}" in err
