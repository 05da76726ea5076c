"""Where denoised layers are streamed to: a zarr store written in place, then made final.

A run writes into ``<folder>/<stem>.partial.zarr`` (the lazy layer reads from it while tiles
arrive). Finishing renames it to ``<stem>.zarr`` with ``sdap_complete: true`` in its attributes;
stopping or failing deletes it, so nothing incomplete is left that looks like a result.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.errors import OutputError

__all__ = ["LayerStore", "default_folder", "is_managed", "lazy", "run_metadata"]


def default_folder() -> Path:
    """The per-user cache folder for denoised layers (``~/.cache/napari-sdap/outputs`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("napari-sdap", appauthor=False)) / "outputs"


def _chunks(shape: tuple[int, ...], axes: str, rgb: bool) -> tuple[int, ...]:
    return tuple(min(n, 512) if a in "YX" else (n if a == "C" and rgb else 1)
                 for a, n in zip(axes, shape, strict=True))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class LayerStore:
    """A float32 zarr array on disk for one denoising run (see the module docstring)."""

    def __init__(self, folder: str | Path, stem: str, shape: tuple[int, ...], axes: str,
                 rgb: bool = False) -> None:
        import zarr

        folder = Path(folder).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot create the output folder {folder} ({err.strerror}); "
                              f"choose another folder") from None
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "layer"
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.perf_counter_ns() % 10**6:06d}"
        self.final = folder / f"{safe}-{stamp}.sdap.zarr"
        self.partial = folder / f"{safe}-{stamp}.sdap.partial.zarr"
        self.path = self.partial
        try:
            self.array = zarr.open_array(str(self.partial), mode="w", shape=shape,
                                         chunks=_chunks(shape, axes, rgb), dtype="float32",
                                         fill_value=np.nan)
        except OSError as err:
            raise OutputError(f"cannot write to {folder} ({err}); choose another output "
                              f"folder") from None
        self.array.attrs.update({"sdap_complete": False, "axes": axes})
        self.done = False

    def commit(self, metadata: dict[str, Any]) -> Any:
        """Record `metadata`, mark complete and move into place; returns the final zarr array."""
        import zarr

        self.array.attrs.update({"sdap": _jsonable(metadata), "sdap_complete": True})
        self.partial.rename(self.final)
        self.path, self.done = self.final, True
        self.array = zarr.open_array(str(self.final), mode="r")
        return self.array

    def abort(self) -> None:
        """Delete the partial store (a stopped or failed run leaves nothing behind)."""
        if not self.done:
            shutil.rmtree(self.partial, ignore_errors=True)
            self.done = True


def is_managed(path: str | Path | None) -> bool:
    """Whether `path` is a completed SDAP store inside the default cache folder (safe to delete)."""
    if path is None:
        return False
    p = Path(path)
    return p.name.endswith(".sdap.zarr") and p.parent == default_folder() and p.exists()


def lazy(array: Any) -> Any:
    """A dask view of a zarr array with a fresh name (so no cached, stale chunks are reused)."""
    import dask.array as da

    return da.from_zarr(array, name=f"sdap-{time.perf_counter_ns()}")


def run_metadata(model: Any, layer: Any, axes: str, mode: str, store: Any) -> dict[str, Any]:
    """What is recorded with a denoised layer (and in its zarr store): config and model record."""
    r = model.record
    return {"config": model.config.model_dump(mode="json"), "mode": model.resolve_mode(mode),
            "axes": axes, "source_layer": layer.name, "store": str(store.path),
            "complete": bool(store.done),
            "record": {"steps": r.steps, "final_loss": r.final_loss, "seed": r.seed,
                       "noise": r.noise, "trained_on": r.trained_on, "versions": r.versions}}
