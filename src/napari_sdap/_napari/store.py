"""Where denoised layers are streamed to: an (OME-)Zarr store made final only when complete.

A run writes through the API's one write path (`api.writing.open_denoise`) into a hidden
temporary next to ``<folder>/<layer>-<time>.sdap.ome.zarr`` (``.sdap.zarr`` for axes OME-Zarr
cannot hold, such as RGB); the lazy layer reads from it while tiles arrive. Finishing moves it
into place; stopping or failing deletes it, so nothing incomplete is left that looks like a
result.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.errors import OutputError

__all__ = ["default_folder", "is_managed", "lazy", "open_run", "output_path", "physical",
           "read_result"]

def default_folder() -> Path:
    """The per-user cache folder for denoised layers (``~/.cache/napari-sdap/outputs`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("napari-sdap", appauthor=False)) / "outputs"


def physical(layer: Any, axes: str) -> tuple[dict[str, float], dict[str, str], dict[str, float]]:
    """Pixel sizes, units and position (napari's translate, where not 0) per axis letter,
    from the layer (RGB channel axis excluded). A negative scale (napari's way to flip the
    display) is a pixel size of its magnitude, not one that is dropped."""
    spatial = [a for a in axes if not (a == "C" and layer.rgb)]
    scale = {a: abs(float(v)) for a, v in zip(spatial, layer.scale, strict=True)}
    units = {a: str(u) for a, u in zip(spatial, getattr(layer, "units", ()), strict=False)
             if str(u) not in ("pixel", "", "None") and a != "C"}
    shift = {a: float(v) for a, v in zip(spatial, layer.translate, strict=True)
             if a != "C" and float(v) != 0.0}
    return scale, units, shift


def output_path(folder: str | Path, layer: Any, axes: str) -> Path:
    """``<folder>/<layer>-<time>.sdap[.ome].zarr`` for a new result of `layer` (folder made)."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"the output folder {folder} is a file; choose a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output folder {folder} ({err.strerror}); "
                          f"choose another folder") from None
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", layer.name).strip("._")[:80] or "layer"  # a
    # file name holds 255 bytes at most; layer names have no limit
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.perf_counter_ns() % 10**6:06d}"
    from napari_sdap.api.writing import fits_ngff

    ome = fits_ngff(axes) and not layer.rgb
    return folder / f"{safe}-{stamp}.sdap{'.ome' if ome else ''}.zarr"


def open_run(folder: str | Path, layer: Any, model: Any, image: Any, axes: str, *,
             mode: str, detail: bool, device: str, tile: int | None, flips: int = 1) -> Any:
    """The API's `DenoiseRun` of `image` (the layer's level-0 data) into a new store in
    `folder`, with the layer's pixel sizes, position and the provenance every output gets."""
    from napari_sdap.api.writing import open_denoise

    scale, units, shift = physical(layer, axes)
    opened = getattr(getattr(layer, "source", None), "path", None)  # the file napari read it
    run = {"layer": layer.name, **({"source": os.path.abspath(opened)} if opened else {})}
    return open_denoise(model, image, output_path(folder, layer, axes), axes, mode=mode,
                        detail=detail, flips=flips, device=device, tile=tile, scale=scale,
                        units=units, translation=shift, front_end="napari", run=run)


def read_result(path: str | Path) -> Any:
    """The level-0 zarr array of a committed store (read-only)."""
    import zarr

    if str(path).endswith(".ome.zarr"):
        return zarr.open_group(str(path), mode="r")["0"]
    return zarr.open_array(str(path), mode="r")


class LiveResult:
    """A run's output as a layer reads it while the run lasts: its temporary store, then the
    committed store once the run has moved it into place (the temporary's path is gone then,
    and its missing chunks would read as zeros until the run's end is handled)."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.shape = tuple(int(n) for n in run.array.shape)
        self.dtype = run.array.dtype
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape))  # (napari's whole-data contrast range reads it)
        self._final: Any = None

    def _source(self) -> Any:
        path = self.run.path
        if self._final is None and path is not None and Path(path).exists():
            from napari_sdap.api.inputs import AxesView

            final = read_result(path)
            live = self.run.array
            self._final = (AxesView(final, live.stored, live.seen)
                           if isinstance(live, AxesView) else final)
        return self.run.array if self._final is None else self._final

    def __getitem__(self, key: Any) -> Any:
        return np.asarray(self._source()[key])

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        data = self[tuple(slice(None) for _ in self.shape)]
        return data if dtype is None else data.astype(dtype)


def is_managed(path: str | Path | None) -> bool:
    """Whether `path` is a completed SDAP store inside the default cache folder (safe to delete)."""
    if path is None:
        return False
    p = Path(path)
    return (p.name.endswith((".sdap.zarr", ".sdap.ome.zarr")) and p.parent == default_folder()
            and p.exists())


def lazy(array: Any) -> Any:
    """A dask view of a zarr array with a fresh name (so no cached, stale chunks are reused)."""
    import dask.array as da

    return da.from_zarr(array, name=f"sdap-{time.perf_counter_ns()}")
