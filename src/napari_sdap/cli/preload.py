"""Native extensions a command may load later, imported once at its start, signals held back.

TensorStore (the fast zarr path, `api` -> `io.fast_zarr`) is imported on first use, deep in a
run. A Ctrl-C or SIGTERM landing while its C extension initialised broke the import half-way
(the handler's KeyboardInterrupt raised inside it); the zarr path then fell back quietly, and
the next import of the half-registered extension aborted the process (SIGABRT from abseil),
leaving partial files, the lock and a `running` record. Imported here, before any work, with
SIGINT and SIGTERM only noted during the import, a signal takes effect once it is complete and
stops the command cleanly (exit 130).
"""

from __future__ import annotations

import importlib
import signal
import threading

__all__ = ["NATIVE", "preload_native"]

NATIVE: tuple[str, ...] = ("tensorstore",)
"""Optional native modules to import up front (absent ones are skipped)."""


def _import_all() -> None:
    for name in NATIVE:
        try:
            importlib.import_module(name)
        except ImportError:  # not installed: the code that uses it does without
            pass


def preload_native() -> None:
    """Import `NATIVE` now. On the main thread SIGINT and SIGTERM are only noted meanwhile
    (Python runs its handlers there, whichever thread the signal reached) and delivered again,
    to the handlers of before, once the imports are complete."""
    if threading.current_thread() is not threading.main_thread():
        _import_all()
        return
    caught: list[int] = []

    def note(signum: int, frame: object) -> None:
        caught.append(signum)

    held = (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP")
                                             else []))  # (SIGHUP: a stop, `cli._hang_up`)
    before = {s: signal.signal(s, note) for s in held}
    try:
        _import_all()
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    if caught:
        signal.raise_signal(caught[0])
