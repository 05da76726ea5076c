"""Native extensions a command may load later, imported once at its start, signals held back.

TensorStore (the fast zarr path, `api` -> `io.fast_zarr`) is imported on first use, deep in a
run. A Ctrl-C or SIGTERM landing while its C extension initialises broke the import half-way;
the zarr path then fell back quietly, and the next import of the half-registered extension
aborted the process (SIGABRT from abseil), leaving partial files, the lock and a `running`
record. Imported here, before any work, with SIGINT and SIGTERM blocked for the import, a
signal waits until the import is complete and then stops the command cleanly (exit 130).
"""

from __future__ import annotations

import importlib
import signal
import threading

__all__ = ["NATIVE", "preload_native"]

NATIVE: tuple[str, ...] = ("tensorstore",)
"""Optional native modules to import up front (absent ones are skipped)."""


def preload_native() -> None:
    """Import `NATIVE` now, with SIGINT and SIGTERM held until each import is complete (on the
    main thread of a system with `pthread_sigmask`; elsewhere a plain import)."""
    held = {signal.SIGINT, signal.SIGTERM}
    block = (hasattr(signal, "pthread_sigmask")
             and threading.current_thread() is threading.main_thread())
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held) if block else None
    try:
        for name in NATIVE:
            try:
                importlib.import_module(name)
            except ImportError:  # not installed: the code that uses it does without
                pass
    finally:
        if before is not None:  # a signal that came meanwhile is delivered now
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
