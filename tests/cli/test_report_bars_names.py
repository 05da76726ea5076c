"""The progress bar of a file (shown on a terminal) took the file's name raw: a newline or a
terminal escape in it reached the terminal, and a name that is not UTF-8 (Latin-1 from an old
share) raised UnicodeEncodeError before the file's `try`, stopping the whole batch. C1 controls
(`\\x9b`: an escape sequence's start, `\\x85`) and the line separators that Python's
`splitlines` ends a line at were left raw in every report line."""

from __future__ import annotations

import io

from napari_sdap.cli.report import Reporter


def _reporter(bars: bool) -> tuple[Reporter, io.BytesIO]:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    return Reporter(stream=stream, bars=bars), raw


def test_bar_of_a_name_that_is_not_utf8() -> None:
    rep, raw = _reporter(bars=True)
    rep.start_item("caf\udce9.tif", 3)  # os.fsdecode(b"caf\xe9.tif")
    rep.item_progress(1, 3, "0.10 Mpix/s")
    rep.end_item()
    rep.close()
    assert b"caf\\xe9.tif" in raw.getvalue()


def test_bar_of_a_name_with_a_newline_and_an_escape() -> None:
    rep, raw = _reporter(bars=True)
    rep.start_item("a\nb\x1b[31m.tif", 3)
    rep.item_progress(2, 3)
    rep.end_item()
    rep.close()
    text = raw.getvalue()
    assert b"a\\nb\\x1b[31m.tif" in text
    assert b"a\nb" not in text and b"\x1b[31m" not in text


def test_lines_escape_c1_controls_and_line_separators() -> None:
    rep, raw = _reporter(bars=False)
    rep.info("done a\x85b\u2028c\u2029d\x9b[31me.tif -> out")
    lines = raw.getvalue().decode("utf-8").splitlines()
    assert lines == ["done a\\x85b\\u2028c\\u2029d\\x9b[31me.tif -> out"]
