"""Where denoised layers are streamed to: an (OME-)Zarr store made final only when complete.

A run writes through `napari_sdap.io.outputs.open_output` into a hidden temporary next to
``<folder>/<layer>-<time>.sdap.ome.zarr`` (``.sdap.zarr`` for axes OME-Zarr cannot hold, such as
RGB); the lazy layer reads from it while tiles arrive. Finishing moves it into place; stopping or
failing deletes it, so nothing incomplete is left that looks like a result.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from napari_sdap.errors import OutputError

__all__ = ["LayerStore", "default_folder", "is_managed", "lazy", "run_metadata"]

_NGFF = "TCZYX"


def default_folder() -> Path:
    """The per-user cache folder for denoised layers (``~/.cache/napari-sdap/outputs`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("napari-sdap", appauthor=False)) / "outputs"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _physical(layer: Any, axes: str) -> tuple[dict[str, float], dict[str, str]]:
    """Pixel sizes and units per axis letter, from the layer (RGB channel axis excluded)."""
    spatial = [a for a in axes if not (a == "C" and layer.rgb)]
    scale = {a: float(v) for a, v in zip(spatial, layer.scale, strict=True)}
    units = {a: str(u) for a, u in zip(spatial, getattr(layer, "units", ()), strict=False)
             if str(u) not in ("pixel", "", "None") and a != "C"}
    return scale, units


class LayerStore:
    """A float32 on-disk output for one denoising run of `layer` (see the module docstring)."""

    def __init__(self, folder: str | Path, layer: Any, shape: tuple[int, ...], axes: str,
                 metadata: dict[str, Any]) -> None:
        from napari_sdap.io.outputs import default_chunks, open_output

        folder = Path(folder).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot create the output folder {folder} ({err.strerror}); "
                              f"choose another folder") from None
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", layer.name).strip("._") or "layer"
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.perf_counter_ns() % 10**6:06d}"
        ome = all(a in _NGFF for a in axes) and axes == "".join(sorted(axes, key=_NGFF.index))
        self.ome = ome and not layer.rgb
        self.final = folder / f"{safe}-{stamp}.sdap{'.ome' if self.ome else ''}.zarr"
        scale, units = _physical(layer, axes)
        self.sink = open_output(self.final, shape, "float32", axes=axes, scale=scale,
                                units=units, metadata=_jsonable(metadata),
                                chunks=default_chunks(shape, axes))
        self.array = self.sink.array
        self.done = False

    @property
    def path(self) -> Path:
        """Where the result is (once committed) or will be."""
        return self.final

    def commit(self) -> Any:
        """Move the finished output into place; returns its (read-only) level-0 zarr array."""
        import zarr

        self.sink.commit()
        self.done = True
        if self.ome:
            self.array = zarr.open_group(str(self.final), mode="r")["0"]
        else:
            self.array = zarr.open_array(str(self.final), mode="r")
        return self.array

    def abort(self) -> None:
        """Delete the temporary (a stopped or failed run leaves nothing behind)."""
        if not self.done:
            self.sink.abort()
            self.done = True


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


def run_metadata(model: Any, layer: Any, axes: str, mode: str, path: Any) -> dict[str, Any]:
    """What is recorded with a denoised layer (and in its zarr store): config and model record."""
    r = model.record
    return {"config": model.config.model_dump(mode="json"), "mode": model.resolve_mode(mode),
            "axes": axes, "source_layer": layer.name, "store": str(path),
            "record": {"steps": r.steps, "final_loss": r.final_loss, "seed": r.seed,
                       "noise": r.noise, "trained_on": r.trained_on, "versions": r.versions}}
