"""`napari-sdap info` on a model named (or trained on files named) in letters its standard
output cannot encode (Windows' code page when the output goes to a file, `PYTHONIOENCODING`,
a C locale without Python's UTF-8 mode) ended in "unexpected error (UnicodeEncodeError ...)",
exit code 1; the letters are escaped and the description printed."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_info_on_a_non_ascii_model_name_into_a_narrow_output(tmp_path: Path, model_file,
                                                              monkeypatch, encoding) -> None:
    named = tmp_path / "Zellen_\u03b1-Tubulin_\u7ec6\u80de.safetensors"
    try:
        shutil.copyfile(model_file, named)
    except OSError:
        pytest.skip("this file system refuses these characters in names")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, newline="\n")
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["info", str(named)]) == 0
    out.flush()
    text = raw.getvalue().decode(encoding)
    first = text.splitlines()[0]
    assert first.startswith("model ") and "\\u7ec6\\u80de.safetensors" in first
    assert "sha256" in text
