"""What the CLI shows while it works: tqdm bars on a terminal, plain log lines otherwise."""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from napari_sdap.paths import printable

__all__ = ["Reporter"]


def _fmt_s(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, s = divmod(int(seconds), 60)
    hours, m = divmod(minutes, 60)
    return f"{hours}h{m:02d}m" if hours else f"{m}m{s:02d}s"


_CONTROLS = {c: repr(chr(c))[1:-1] for c in (*range(32), *range(127, 160), 0x2028, 0x2029)}
"""Control characters and how a report line shows them (`\\n`, `\\t`, `\\x1b`): C0, DEL and
C1 (`\\x9b` starts an escape sequence as `\\x1b[` does; `\\x85` and the line and paragraph
separators `\\u2028`, `\\u2029` end a line for Python's `splitlines`)."""


def shown_text(text: str) -> str:
    """`text` as the report shows it: a file name of bytes that are not UTF-8 (Latin-1 from an
    old share or a zip archive) reaches Python as lone surrogates, which printing refuses:
    shown as `\\xe9`; control characters in a name (a newline, a tab, a terminal escape) as
    `\\n`, `\\t`, `\\x1b`, so that each event stays one line a script can read."""
    return printable(text).translate(_CONTROLS)


_GONE = (errno.EPIPE, errno.EIO, errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_REDRAW_S = 0.1
"""A file's progress bar is drawn at most this often (tqdm's own `mininterval`), and at its end."""
"""Errors of a write to the report's stream after which the command goes on unreported."""


class Reporter:
    """Progress and messages of one command.

    Parameters
    ----------
    stream
        Where to write (stderr by default).
    bars
        True: tqdm bars; False: one log line per event; None: bars when `stream` is a terminal.
    quiet
        Only errors and the final summary.
    """

    def __init__(self, stream: TextIO | None = None, bars: bool | None = None,
                 quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bars = tty if bars is None else bars
        self.quiet = quiet
        self._overall: Any = None
        self._handler: _Lines | None = None
        self._file: Any = None
        self._last_line = 0.0
        self._drawn = 0.0
        self._gone = False

    # -- messages ---------------------------------------------------------------------------
    def info(self, message: str) -> None:
        """A normal message (hidden with --quiet)."""
        if not self.quiet:
            self._write(message)

    def summary(self, message: str) -> None:
        """The closing line of a command (shown even with --quiet)."""
        self._write(message)

    def error(self, where: str, message: str) -> None:
        """The one line that reports a failed file or a fatal problem."""
        self._write(_line("error", where, message))

    def warning(self, where: str, message: str) -> None:
        """One line on a file whose output may be wrong (shown even with --quiet)."""
        self._write(_line("warning", where, message))

    def _write(self, line: str) -> None:
        if self._gone:
            return
        line = shown_text(line)
        try:
            if self.bars:
                from tqdm import tqdm

                tqdm.write(line, file=self.stream)
            else:
                print(line, file=self.stream, flush=True)
        except OSError as err:
            self._reader_gone(err)

    def _reader_gone(self, err: OSError) -> None:
        """The report's reader went away (`| head`, a `| less` quit, a closed terminal), or
        its log file's disk is full (a SLURM log in a home over its quota): the command's
        work goes on unreported, its exit code that of the work (a whole training was lost
        at its last line, `trained ...`, and a batch stopped after its file, or at its first
        line where the log could not be written at all). The stream's descriptor is pointed
        at the null device, so that later writes (bars, the interpreter's flush at exit) go
        nowhere instead of failing."""
        if err.errno not in _GONE:
            raise err
        self._gone, self.bars, self._file, self._overall = True, False, None, None
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self.stream.fileno())
            finally:
                os.close(null)
        except (OSError, ValueError, AttributeError):  # a stream without a descriptor
            pass

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Run a progress bar's write; a reader gone is `_reader_gone`."""
        try:
            yield
        except OSError as err:
            self._reader_gone(err)

    # -- overall progress -------------------------------------------------------------------
    def start_batch(self, total: int, unit: str = "file") -> None:
        if self.bars and not self.quiet:
            from tqdm import tqdm

            with self._guard():
                self._overall = tqdm(total=total, unit=unit, desc="batch", position=0,
                                     file=self.stream, dynamic_ncols=True)

    def advance(self, n: int = 1) -> None:
        if self._overall is not None:
            with self._guard():
                self._overall.update(n)

    def end_batch(self) -> None:
        if self._overall is not None:
            bar, self._overall = self._overall, None
            with self._guard():
                bar.close()

    # -- per-file or per-run progress ---------------------------------------------------------
    def start_item(self, name: str, total: int, unit: str = "plane") -> None:
        self._item, self._last_line, self._drawn = name, time.perf_counter(), 0.0
        if self.bars and not self.quiet:
            from tqdm import tqdm

            # (the name escaped as the lines show it: raw, a newline or an escape in it reached
            # the terminal, and a name that is not UTF-8 stopped the batch)
            with self._guard():
                self._file = tqdm(total=total, unit=unit, desc=shown_text(name)[-30:],
                                  position=1, leave=False, file=self.stream,
                                  dynamic_ncols=True)

    def item_progress(self, done: int, total: int, text: str = "") -> None:
        if self._file is not None:
            if total != self._file.total:
                self._file.total = total
            self._file.n = done
            if text:
                self._file.set_postfix_str(text, refresh=False)
            # (a redraw per tile flooded the terminal: a stack of 2000 small frames drew 2000
            # bars, 350 KB, in 6 s; a training of quick steps the same)
            now = time.perf_counter()
            if done >= total or now - self._drawn >= _REDRAW_S:
                self._drawn = now
                with self._guard():
                    self._file.refresh()
        elif not self.quiet and time.perf_counter() - self._last_line > 30 and done < total:
            self._last_line = time.perf_counter()
            self._write(f"  {self._item}: {done}/{total} {text}".rstrip())

    def end_item(self) -> None:
        if self._file is not None:
            bar, self._file = self._file, None
            with self._guard():
                bar.close()

    def log_warnings(self) -> None:
        """Show napari-sdap's logged warnings as `warning: ...` lines (Python printed them bare)
        until `close`."""
        if self._handler is None:
            self._handler = _Lines(self)
            logging.getLogger("napari_sdap").addHandler(self._handler)

    def close(self) -> None:
        self.end_item()
        self.end_batch()
        if self._handler is not None:
            logging.getLogger("napari_sdap").removeHandler(self._handler)
            self._handler = None

    format_seconds = staticmethod(_fmt_s)


def _line(kind: str, where: str, message: str) -> str:
    if where and message.startswith(where):  # messages often start with the path already
        message = message[len(where):].lstrip(": ")
    message = " ".join(message.split())  # one line, whatever the message holds
    return f"{kind}: {where}: {message}" if where else f"{kind}: {message}"


class _Lines(logging.Handler):
    """Warnings of napari-sdap's loggers, one line each through the reporter."""

    def __init__(self, rep: Reporter) -> None:
        super().__init__(logging.WARNING)
        self.rep = rep

    def emit(self, record: logging.LogRecord) -> None:
        self.rep._write(_line("warning", "", record.getMessage()))
