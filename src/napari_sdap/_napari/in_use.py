"""Result stores in use: never deleted while a viewer, a check or another napari shows them.

A store is in use while a layer of any viewer of this process reads it, while a worker holds
it (`hold`: a quality check reading it lazily, a denoising writing it), or while another napari
process lists it. Each process lists its stores in ``<folder>/../.<folder name>-in-use/<pid>``
(`publish`; beside the folder, which holds results only), one name a line after the
process's start time; a list whose process has gone (a crash, a kill) is
stale and removed, and so are the unfinished stores it names (`stale_partials`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["forget_gone", "hold", "in_use", "publish", "release", "stale_partials", "stores_shown",
           "viewers"]

_IDLE_S = 300.0
"""An unfinished store no live napari lists counts as a leftover once unwritten this long (a
run of the API or the command line writing into the cache folder lists nothing)."""
_HELD: Counter[str] = Counter()
_LOCK = threading.Lock()


def hold(paths: Iterable[Any]) -> list[str]:
    """Mark `paths` (None and "" skipped) in use until `release`d; returns those marked."""
    names = [str(p) for p in paths if p]
    with _LOCK:
        _HELD.update(names)
    return names


def release(paths: Iterable[str]) -> None:
    """Undo one `hold` of `paths`."""
    with _LOCK:
        for p in paths:
            _HELD[p] -= 1
            if _HELD[p] <= 0:
                del _HELD[p]


def viewers() -> list[Any]:
    """Every napari viewer of this process (and those the panels were opened in)."""
    return _viewers()


def _viewers() -> list[Any]:
    from napari import Viewer

    from napari_sdap._napari.session import _SESSIONS

    found = list(getattr(Viewer, "_instances", ()))  # every viewer of this process
    return found + [v for v in list(_SESSIONS.keys()) if v not in found]


_STORES = (".sdap.zarr", ".sdap.ome.zarr")


def _opened_store(layer: Any) -> set[str]:
    """The result store a layer opened from a file reads (File > Open of a store in the cache
    folder, or of an array inside it: napari's reader records it as the layer's source), as
    an absolute and a resolved path; empty for other layers."""
    source = getattr(getattr(layer, "source", None), "path", None)
    if not source:
        return set()
    path = Path(os.path.abspath(str(source)))
    for p in (path, *path.parents):
        if p.name.endswith(_STORES):
            return {str(p), str(p.resolve())}
    return set()


def stores_shown() -> set[str]:
    """Stores read by a layer of any viewer of this process (a result, or a result store
    opened from its file), or held by a worker."""
    used: set[str] = set()
    for viewer in _viewers():
        with contextlib.suppress(Exception):  # a viewer being closed
            for layer in viewer.layers:
                store = (layer.metadata.get("sdap") or {}).get("store")
                if store:
                    used.add(str(store))
                used |= _opened_store(layer)
    with _LOCK:
        used |= set(_HELD)
    return used


def _started(pid: int) -> float | None:
    """The start time of process `pid`, None when it has gone."""
    import psutil

    try:
        return round(psutil.Process(pid).create_time(), 2)
    except (psutil.Error, OSError):
        return None


def _marks(folder: Path) -> Path:
    """The folder of the processes' lists of the stores they use in `folder`."""
    return folder.parent / f".{folder.name}-in-use"


def _lists(folder: Path, forget: bool = False) -> tuple[set[str], set[str]]:
    """(names listed by live processes, names listed by gone ones) in `folder`; `forget`: the
    lists of gone processes are removed."""
    live: set[str] = set()
    gone: set[str] = set()
    marks = _marks(folder)
    for marker in marks.iterdir() if marks.is_dir() else ():
        try:
            lines = marker.read_text().splitlines()
            pid, started = int(marker.name), float(lines[0])
        except (OSError, ValueError, IndexError):
            continue  # being written
        names = {line for line in lines[1:] if line}
        if pid == os.getpid():
            continue  # this process's own: `stores_shown` knows better
        if _started(pid) == round(started, 2):
            live |= names
        else:
            gone |= names
            if forget:
                marker.unlink(missing_ok=True)
    return live, gone


def publish(folder: Path, extra: Iterable[Any] = ()) -> None:
    """List this process's stores in `folder` (those shown, held, and `extra`) for other
    processes; no list when there are none."""
    mine = {Path(p).name for p in stores_shown() | {str(e) for e in extra if e}
            if Path(p).parent == folder}
    marker = _marks(folder) / str(os.getpid())
    if not mine:
        marker.unlink(missing_ok=True)
        return
    started = _started(os.getpid())
    temp = marker.with_name(f"{marker.name}.{threading.get_ident()}.tmp")
    with contextlib.suppress(OSError):  # a read-only cache: nothing another process may clear
        marker.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text("\n".join([str(started), *sorted(mine)]) + "\n")
        os.replace(temp, marker)


def forget_gone(folder: Path) -> None:
    """Remove the lists of processes that have gone (once their leftovers are deleted)."""
    _lists(folder, forget=True)


def in_use(folder: Path) -> set[str]:
    """Paths of the stores in `folder` that this process or another live napari uses."""
    live, _ = _lists(folder)
    return stores_shown() | {str(folder / name) for name in live}


def _newest(path: Path) -> float:
    times = [path.stat().st_mtime]
    with contextlib.suppress(OSError):
        times += [f.stat().st_mtime for f in path.rglob("*")]
    return max(times)


def stale_partials(folder: Path) -> list[Path]:
    """Unfinished stores in `folder` left by processes that have gone: listed by a gone napari,
    or listed by none and unwritten for a while. A live run's are never among them."""
    if not folder.is_dir():
        return []
    live, gone = _lists(folder)
    mine = {Path(p).name for p in stores_shown()}
    found = []
    for p in sorted(folder.iterdir()):
        if not (p.name.startswith(".") and ".sdap" in p.name and ".partial-" in p.name):
            continue
        final = p.name[1:].split(".partial-")[0]  # `.<final name>.partial-<random>`
        if {p.name, final} & (live | mine):
            continue
        with contextlib.suppress(OSError):
            if {p.name, final} & gone or time.time() - _newest(p) > _IDLE_S:
                found.append(p)
    return found
