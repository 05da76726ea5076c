"""How a Denoise run ends: the result shown for good, or the partial result discarded."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap._napari import in_use
from napari_sdap._napari import store as stores
from napari_sdap._napari.controls import report_error
from napari_sdap._napari.layers import follow_source, level0, show_result
from napari_sdap._napari.store import is_managed, lazy, read_result

__all__ = ["DenoiseOutcome"]


def drop_store(path: str | None) -> None:
    """Delete the cache store `path` unless anything reads it (a layer of any viewer, a quality
    check, another napari: `in_use`); its chunks would read as zeros there."""
    if path and is_managed(path) and path not in in_use.in_use(stores.default_folder()):
        import shutil

        shutil.rmtree(path, ignore_errors=True)


def residual(image: Any, output: Any, rgb: bool) -> Any:
    """Lazy ``image - output`` (dask, float32; float64 for a float64 output, whose image float32
    cannot resolve: uint32 near 4e9 would lose its noise to float32's steps of 256); the mean
    of the colour channels for RGB (an RGBA alpha, copied as it was, is no part of it)."""
    import dask.array as da

    # numpy blocks whatever the layer holds (an xarray DataArray's own blocks made dask take
    # the difference for a dataframe)
    src = image if isinstance(image, da.Array) else da.from_array(
        image, chunks=output.chunks, asarray=True,
        meta=np.empty((0,) * len(image.shape), dtype=image.dtype))
    res = src.astype(np.result_type(output.dtype, np.float32)) - output
    return res[..., :3].mean(axis=-1) if rgb else res


class DenoiseOutcome:
    """The end of a run of the Denoise widget (mixed into `DenoiseWidget`, which supplies the
    attributes used here)."""

    viewer: Any
    run: Any
    meta: dict[str, Any]
    out_layer: Any
    layer: Any
    image: Any
    outcome: str
    status: Any
    residual: Any
    _previous: tuple[Any, dict[str, Any], Any] | None
    """(data, metadata, layer) of the result this run replaces, to give back if it stops."""
    _warned: str | None
    _last_done: tuple[Any, dict[str, Any], Any] | None
    _finished: Any

    def _on_done(self, result: Any = None) -> None:
        if result == "stopped":
            self._on_stopped()
            return
        if self.run is None:  # pragma: no cover - defensive
            return
        if self.out_layer not in self.viewer.layers:  # removed as the last tile was written
            self.outcome = "stopped"
            drop_store(str(self.run.path))
            self.status.info(f"stopped: the result layer {self.out_layer.name!r} was removed; "
                             f"its result was discarded")
            return
        old = self._previous[1].get("sdap", {}).get("store") if self._previous else None
        try:
            array = read_result(self.run.path)  # committed by the run's last step
            self.out_layer.data = lazy(array)
            self.meta["complete"] = True
            self.out_layer.metadata = {**self.out_layer.metadata, "sdap": self.meta}
            if self.layer in self.viewer.layers:  # calibrated or moved meanwhile: followed
                follow_source(self.out_layer, self.layer)
            if self.residual.isChecked() and not self._source_note():
                self._add_residual(array)
        except Exception as err:  # e.g. the source layer changed its dimensions meanwhile
            self.outcome = "error"
            report_error(err, self.status)
            return
        if old != str(self.run.path):
            drop_store(old)  # the previous result's store (kept while anything reads it)
        self.outcome = "done"
        self._last_done = (self.run, self.meta, self.out_layer)
        note = self._source_note()
        if note:
            from napari.utils.notifications import show_warning

            show_warning(f"napari-sdap: {note}")
        self.status.info(f"done: {self.out_layer.name}" + (f"; note: {note}; " if note else ", ")
                         + f"stored in {self.run.path}"
                         + (f" ({self._warned})" if self._warned else ""))

    def _source_note(self) -> str:
        """What happened to the source layer while it was denoised ("" when nothing did): the
        result is of the data it had when the run started."""
        name = self.layer.name
        if self.layer not in self.viewer.layers:
            return f"{name!r} was removed while it was denoised; the result is of its data then"
        data = level0(self.layer)
        if data is self.image:
            return ""
        shape = "" if tuple(data.shape) == tuple(self.image.shape) else \
            f" (shape {tuple(data.shape)}, was {tuple(self.image.shape)})"
        return (f"{name!r} got other data{shape} while it was denoised; "
                f"{self.out_layer.name!r} is the result of its earlier data: denoise again")

    def _add_residual(self, array: Any) -> None:
        lo, hi = self.layer.contrast_limits
        half = max((hi - lo) / 4, 1e-6)
        show_result(self.viewer, self.layer, residual(self.image, lazy(array), self.layer.rgb),
                    kind="SDAP residual", rgb=False, colormap="gray",
                    metadata={"sdap": {"store": str(self.run.path), "residual": True}},
                    contrast_limits=(-half, half))

    def _discard(self) -> None:
        if self.run is not None:
            self.run.abort()  # nothing to delete when the run's own steps have cleaned up
        if self.out_layer is None or self.out_layer not in self.viewer.layers:
            return
        if self._previous is None:
            self.viewer.layers.remove(self.out_layer)
            return
        data, metadata, before = self._previous
        if before is self.out_layer:  # its data was replaced: given back
            self.out_layer.data, self.out_layer.metadata = data, metadata
            return
        # it was removed for a result of other dimensions (`show_result`): put back as it was
        index = self.viewer.layers.index(self.out_layer)
        self.viewer.layers.remove(self.out_layer)
        if before not in self.viewer.layers:
            self.viewer.layers.insert(index, before)

    def _on_error(self, err: BaseException) -> None:
        self.outcome = "error"
        self._discard()
        self.status.error(str(err))  # napari shows the notification itself

    def _on_stopped(self) -> None:
        removed = self.outcome == "removed"
        self.outcome = "stopped"
        self._discard()
        kept = self._finished()
        why = f": the result layer {self.out_layer.name!r} was removed" if removed else ""
        self.status.info(f"stopped{why}; the partial result was discarded"
                         + (f"; {kept[2].name!r} (finished earlier) is kept" if kept else ""))
