"""Denoised results on disk: the cache folder's size, clearing it, and saving a result elsewhere."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = ["cache_usage", "check_not_opened", "clear_cache", "opened_files", "result_stores",
           "save_result"]

_SUFFIXES = (".sdap.zarr", ".sdap.ome.zarr")


def result_stores(folder: Path) -> list[Path]:
    """The finished result stores in `folder` (running runs' hidden temporaries left out)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and p.name.endswith(_SUFFIXES) and not p.name.startswith("."))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cache_usage(folder: Path) -> tuple[int, int]:
    """(bytes, number of results) held by the finished results in `folder` and by the unfinished
    ones that crashed or killed runs left behind (`in_use.stale_partials`)."""
    from napari_sdap._napari.in_use import stale_partials

    stores = result_stores(folder) + stale_partials(folder)
    return sum(_size(p) for p in stores), len(stores)


def clear_cache(folder: Path, keep: set[str]) -> tuple[int, int]:
    """Delete the finished results in `folder` except those whose path is in `keep` (shown in
    a viewer, read by a check, listed by another napari: `in_use.in_use`), and the leftovers of
    runs that have gone; returns (deleted, kept)."""
    from napari_sdap._napari.in_use import forget_gone, stale_partials

    deleted = kept = 0
    for p in result_stores(folder) + stale_partials(folder):
        if str(p) in keep:
            kept += 1
            continue
        shutil.rmtree(p, ignore_errors=True)
        deleted += not p.exists()
    forget_gone(folder)
    return deleted, kept


def opened_files(viewer: Any) -> list[tuple[str, str]]:
    """(layer name, file) for each layer read from a file (File > Open, drag and drop: napari
    records the file as the layer's source), of `viewer` and of every other viewer of this
    process (the raw data opened in one window was not protected from Save as... in another)."""
    import contextlib

    from napari_sdap._napari.in_use import viewers

    found = []
    for each in [viewer, *(v for v in viewers() if v is not viewer)]:
        with contextlib.suppress(Exception):  # a viewer being closed
            for layer in each.layers:
                path = getattr(getattr(layer, "source", None), "path", None)
                if path:
                    found.append((layer.name, str(path)))
    return found


def check_not_opened(target: str | Path, opened: list[tuple[str, str]]) -> None:
    """Refuse saving to `target` where it is, holds or lies inside a file a layer was opened
    from: the raw data napari-sdap denoised (or any other) would be replaced by the result,
    after no more than the save dialog's usual "replace?"."""
    import os

    from napari_sdap.errors import OutputError
    from napari_sdap.paths import zarr_node

    real = Path(os.path.realpath(Path(target).expanduser()))  # (links and '..' seen through)
    for name, path in opened:
        src = Path(os.path.realpath(path))
        store = src.suffix.lower() == ".zarr" or zarr_node(src)  # (a plain folder of images
        # may take a file)
        # a level opened from a store (scan.ome.zarr/0): the whole store is the input
        root = next((p for p in reversed([src, *src.parents]) if p.suffix.lower() == ".zarr"),
                    src)
        frame = not store and src.is_dir() and real.parent == src and real.exists()  # (a
        # file of a folder opened as one stack: one of the raw frames the layer was read from)
        if (real == src or (store and root in (real, *real.parents)) or real in src.parents
                or _same_file(real, src) or frame):
            raise OutputError(f"{target} is where the layer {name!r} was opened from ({path}); "
                              f"napari-sdap never writes over its inputs: choose another name "
                              f"or folder")


def _same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file under two names (a hard link; `Cells.tif` for
    `cells.tif` on a disk that ignores letter case, as macOS and Windows do)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def unsaved_transform(layer: Any) -> str | None:
    """What of the layer's placement a saved file cannot hold (a rotation, a shear or an
    affine transform beyond scale and translate: TIFF and OME-Zarr keep pixel sizes and
    positions only), or None."""
    from napari_sdap._napari.layers import transforms

    lost = transforms(layer)
    if not lost:
        return None
    return (f"its {' and '.join(lost)} is not in the file (TIFF and OME-Zarr keep pixel sizes "
            f"and positions only)")


def save_result(layer: Any, axes: str, target: str | Path, overwrite: bool = False) -> Path:
    """Write the data of a finished result layer to `target` (`.tif`/`.tiff` or `.ome.zarr`)
    with its pixel sizes, units, position (translate) and provenance record, through the API's
    write path (`api.writing.save_result`: temporary, moved into place when complete; a float64
    result stays float64). Returns the absolute path."""
    from napari_sdap._napari.store import physical
    from napari_sdap.api.writing import save_result as write
    from napari_sdap.errors import OutputError

    scale, units, shift = physical(layer, axes)
    meta = layer.metadata.get("sdap", {})
    if meta and not meta.get("complete", False):
        raise OutputError(f"{layer.name!r} is not finished; wait until denoising has ended")
    store = meta.get("store")
    if store and not Path(store).exists():
        raise OutputError(f"the stored data of {layer.name!r} ({store}) was deleted (e.g. by "
                          f"Clear cache elsewhere); nothing was saved: denoise again, then save")
    record = {k: v for k, v in meta.items() if k not in ("store", "complete")}
    return write(layer.data, target, axes=axes, scale=scale, units=units, provenance=record,
                 overwrite=overwrite, translation=shift)
