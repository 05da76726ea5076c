"""File names holding control characters (a newline, a tab, a terminal escape): each of the
batch's report lines stayed one line only in the error path; a `done` line of `a<newline>b.tif`
came out as two lines, and an escape sequence in a name reached the terminal raw."""

from __future__ import annotations

from pathlib import Path

import pytest
import tifffile
from cli_fixtures import model_file_fixture, smooth_image  # noqa: F401 (fixture)

from napari_sdap.cli import main
from napari_sdap.cli.report import Reporter


def test_report_lines_escape_control_characters():
    class Stream:
        text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    stream = Stream()
    rep = Reporter(stream=stream, bars=False)
    rep.info("done a\nb\t\x1b[31m.tif -> out")
    rep.warning("c\rd.tif", "intensity far from the training images")
    lines = stream.text.splitlines()
    assert lines == ["done a\\nb\\t\\x1b[31m.tif -> out",
                     "warning: c\\rd.tif: intensity far from the training images"]


def test_batch_of_a_name_with_a_newline(tmp_path: Path, model_file, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    name = "a\nb.tif"
    try:
        (raw / name).write_bytes(b"")
    except OSError:
        pytest.skip("this file system refuses newlines in names")
    tifffile.imwrite(raw / name, smooth_image((40, 40)))
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(model_file), "-o", str(out),
                 "--device", "cpu", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    done = [line for line in err.splitlines() if line.startswith("done ")]
    assert len(done) == 1 and "a\\nb.tif" in done[0] and "a\\nb_sdap.tif" in done[0]
    assert (out / "a\nb_sdap.tif").is_file()  # the file itself keeps its name
    assert all(not line.startswith("b") for line in err.splitlines())
