"""A file's progress bar on a terminal was redrawn at every tile (and a training's at every
step): a stack of 2000 small frames drew 2000 bars, 350 KB of terminal output in 6 s. It is
drawn at most ten times a second, and at its end."""

from __future__ import annotations

import io

from napari_sdap.cli.report import Reporter


def _run(ticks: int) -> str:
    out = io.StringIO()
    rep = Reporter(stream=out, bars=True)
    rep.start_batch(1)
    rep.start_item("stack.tif", 1)
    for i in range(ticks):
        rep.item_progress(i + 1, ticks, "0.30 Mpix/s")
    text = out.getvalue()
    rep.end_item()
    rep.end_batch()
    return text


def test_thousands_of_quick_tiles_draw_a_few_bars() -> None:
    text = _run(2000)
    assert text.count("stack.tif") < 50  # was 2001 (one per tile)
    last = text.split("\r")[-1]
    assert "2000/2000" in last  # the end is drawn
    assert "0.30 Mpix/s" in last


def test_a_single_tile_is_drawn() -> None:
    assert "1/1" in _run(1).split("\r")[-1]
