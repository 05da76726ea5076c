"""What the CLI prints: one-line errors, plain lines off a terminal, tqdm bars on one."""

from __future__ import annotations

import io

from napari_sdap.cli.report import Reporter


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_error_is_one_line_without_a_repeated_path() -> None:
    out = io.StringIO()
    rep = Reporter(out)
    rep.error("/d/a.tif", "/d/a.tif: could not read\nthe data  (truncated)")
    rep.error("", "fatal")
    assert out.getvalue().splitlines() == ["error: /d/a.tif: could not read the data (truncated)",
                                           "error: fatal"]


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    rep = Reporter(out)
    assert rep.bars is False
    rep.start_batch(2)
    rep.start_item("a.tif", 4)
    rep.item_progress(1, 4)  # no line: the first progress line comes after 30 s
    rep.end_item()
    rep.info("done a.tif")
    rep.close()
    assert out.getvalue() == "done a.tif\n"


def test_quiet_keeps_errors_and_summary() -> None:
    out = io.StringIO()
    rep = Reporter(out, quiet=True)
    rep.info("chatter")
    rep.error("x", "bad")
    rep.summary("finished")
    assert out.getvalue().splitlines() == ["error: x: bad", "finished"]


def test_bars_on_a_terminal() -> None:
    out = _Tty()
    rep = Reporter(out)
    assert rep.bars is True
    rep.start_batch(2)
    rep.start_item("a.tif", 4)
    rep.item_progress(2, 4, "1.00 Mpix/s")
    rep.end_item()
    rep.advance()
    rep.info("done a.tif")
    rep.close()
    text = out.getvalue()
    assert "batch" in text and "1/2" in text and "done a.tif" in text
