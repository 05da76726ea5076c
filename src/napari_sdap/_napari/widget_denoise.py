"""Denoise widget: stream any Image layer through the current model into a lazy zarr layer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import QWidget

from napari_sdap._napari import in_use
from napari_sdap._napari import store as stores
from napari_sdap._napari.controls import StopOnClose, ask, report_error, spin_value
from napari_sdap._napari.denoise_form import DenoiseForm
from napari_sdap._napari.denoise_outcome import DenoiseOutcome
from napari_sdap._napari.layers import axes_field, check_layer, free_kind, level0, show_result
from napari_sdap._napari.model_files import ModelLoading
from napari_sdap._napari.panel_hints import for_panels
from napari_sdap._napari.session import session_for
from napari_sdap._napari.store import LiveResult, open_run
from napari_sdap._napari.wording import model_text
from napari_sdap._napari.workers import close_on_abort, denoise_steps
from napari_sdap.errors import InputError

__all__ = ["DenoiseWidget"]

_REFRESH_S = 0.5
_SLOWER = 10.0
"""A refresh waits at least this many times as long as the last one took (a huge plane: the
viewer stays responsive, at most a tenth of its time goes to showing tiles)."""
_READY = "press Denoise"
_NO_MODEL = "train or load a model, then Denoise"


class DenoiseWidget(ModelLoading, StopOnClose, DenoiseOutcome, DenoiseForm, QWidget):
    """Denoise the chosen layer with the current (trained or loaded) model (closing stops it).

    `confirm(question) -> bool` asks before unsaved training is dropped or the cache cleared (a
    dialog by default; replaceable, e.g. in tests).
    """

    def __init__(self, napari_viewer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.session = session_for(napari_viewer)
        self.worker: Any = None
        self.run: Any = None
        """The API's `DenoiseRun` of the current (or last) denoising."""
        self.meta: dict[str, Any] = {}
        """Recorded with the output layer and its store: config, model record, mode, path."""
        self.out_layer: Any = None
        self.outcome = "idle"
        self._previous: tuple[Any, dict[str, Any], Any] | None = None
        self._last_refresh = 0.0
        self._refresh_gap = _REFRESH_S
        self._warned: str | None = None
        self._last_done: tuple[Any, dict[str, Any], Any] | None = None
        self.stop_flag = threading.Event()
        self.confirm: Callable[[str], bool] = lambda question: ask(self, question)

        self._make_controls(napari_viewer)
        self._layout()
        self.picker.currentIndexChanged.connect(self._on_layer)
        self.axes.textEdited.connect(lambda *_: self.status.clear_error(self._ready()))
        self.load_btn.clicked.connect(lambda: self.load_model())
        self.run_btn.clicked.connect(self.start)
        self.stop_btn.clicked.connect(self.stop)
        self.save_btn.clicked.connect(lambda: self.save_result())
        self.session.model_changed.connect(self._show_ready)
        self.session.state_changed.connect(self._on_model)
        napari_viewer.layers.events.removed.connect(self._on_removed)
        napari_viewer.layers.events.inserted.connect(  # (a result store opened from its file)
            lambda *_: in_use.publish(stores.default_folder()))
        self._on_layer()
        self._on_model()
        if not self.status.is_error:  # (the layer's axes cannot be guessed: that stays)
            self._show_ready()

    def _ready(self) -> str:
        """What to do next, once an error is gone."""
        return _READY if self.session.model is not None else _NO_MODEL

    def _show_ready(self, *_: Any) -> None:
        """The next step, over an error or the other hint: a panel opened after a model was
        trained, or one whose model came meanwhile, said "train or load a model" beside it."""
        if self.status.is_error or self.status.text() in (_READY, _NO_MODEL):
            self.status.info(self._ready())

    def _on_layer(self, *_: Any) -> None:
        axes, why = axes_field(self.picker.layer())
        self.axes.setText(axes)
        if why is None:
            self.status.clear_error(self._ready())
        else:
            self.status.error(why)

    def _on_model(self, *_: Any) -> None:
        text, details = model_text(self.session)
        self.model_label.setText(text)
        self.model_label.setToolTip(details)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        running = self.worker is not None
        self.run_btn.setEnabled(not running and self.session.model is not None)
        self.stop_btn.setEnabled(running)
        self.load_btn.setEnabled(not running and not self.session.training)
        self.load_btn.setToolTip("Not while a model trains" if self.session.training else
                                 "Load a saved model file as the current model")
        self.save_btn.setEnabled(not running and self._finished() is not None)
        self.output.clear_btn.setEnabled(not running and self.output.clear_btn.isEnabled())

    def _stores_in_use(self) -> set[str]:
        """Stores shown in any viewer, read by a check, or listed by another napari (never
        deleted while in use, see `in_use`)."""
        return in_use.in_use(stores.default_folder())

    def _on_removed(self, event: Any) -> None:
        """A removed result layer stops its run (no result for a layer that is gone); the
        stores this process lists for other processes are updated, and Save as... is turned
        off once the finished result's layer is gone."""
        if event.value is self.out_layer and self.worker is not None \
                and self.outcome == "running":
            self.outcome = "removed"
            self.stop_flag.set()
        in_use.publish(stores.default_folder())
        self._sync_buttons()  # Save as... of a result whose layer is gone did nothing

    def _finished(self) -> tuple[Any, dict[str, Any], Any] | None:
        """(run, provenance, layer) of the last finished result while its layer is shown: the
        last run's, or the one a stopped or failed rerun gave back."""
        last = self._last_done
        if last is None or last[2] not in self.viewer.layers \
                or not last[2].metadata.get("sdap", {}).get("complete", False):
            return None
        return last

    def save_result(self, path: str | None = None) -> Path | None:
        """Save the last finished result as TIFF or OME-Zarr (a dialog unless `path` is given)."""
        finished = self._finished() if self.worker is None else None
        if finished is None:
            return None
        _, meta, layer = finished
        try:
            from napari_sdap._napari.results import opened_files

            saved = self.output.save(layer, meta["input"]["axes"], path,
                                     opened_files(self.viewer))
        except Exception as err:
            report_error(err, self.status)
            return None
        if saved is not None:
            from napari_sdap._napari.results import unsaved_transform

            lost = unsaved_transform(layer)
            self.status.info(f"saved {layer.name} to {saved}" + (f"; {lost}" if lost else ""))
        return saved

    # ---------------------------------------------------------------- running
    def start(self) -> None:
        """Denoise the chosen layer into a new zarr store shown as a lazy `<name> [SDAP]` layer."""
        from napari.qt.threading import create_worker

        from napari_sdap.axes import plane_view

        if self.worker is not None:
            return
        try:
            layer = self.picker.layer()
            check_layer(layer)
            model = self.session.model
            if model is None:
                raise InputError("no model yet; train one in the Train widget or load a model file")
            self.session.check("denoising", model)
            image = level0(layer)
            axes = self.axes.text().strip().upper()
            plane_view(image.shape, axes)  # AxesError now, on the main thread
            tile = spin_value(self.tile)
            if tile is not None and tile < 16:  # (the field's lowest value, 0, is auto)
                raise InputError(f"tile {tile} is below the smallest, 16; set 16 or more, or "
                                 f"'auto' (0)")
            mode = self.mode.currentText()
            self.run = open_run(self.output.target_folder(), layer, model, image, axes,
                                mode=mode, detail=self.detail.isChecked(),
                                flips=int(self.flips.currentText().split()[0]),
                                device=self.device.currentText(), tile=tile)
        except Exception as err:
            self.outcome = "error"
            report_error(err, self.status)
            return
        self.layer, self.image = layer, image
        self.meta = {**self.run.provenance, "store": str(self.run.path), "complete": False}
        kind = free_kind(self.viewer, layer, self._result_kind(layer, self.meta["mode"]))
        name = f"{layer.name} [{kind}]"  # free, or napari-sdap's own result: replaced
        existing = self.viewer.layers[name] if name in self.viewer.layers else None
        self._previous = (existing.data, dict(existing.metadata), existing) \
            if existing is not None else None
        # the layer reads the run's store itself (no dask): napari's chunk cache keeps no
        # stale copy of each refresh, and a refresh re-reads only what is shown
        self.out_layer = show_result(self.viewer, layer, LiveResult(self.run), kind=kind,
                                     metadata={"sdap": self.meta})
        in_use.publish(stores.default_folder(), [self.run.path])
        self.stop_flag = threading.Event()
        self.worker = close_on_abort(create_worker(denoise_steps, self.run.steps(),
                                                   stop=self.stop_flag))
        self.session.claim("denoising", self.worker, self, model, self.stop_flag)
        self.worker.yielded.connect(self._on_yield)
        self.worker.returned.connect(self._on_done)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self._on_finished)
        self.outcome = "running"
        self._warned = None
        self._refresh_gap = _REFRESH_S
        self.status.info("denoising...")
        self.worker.start()
        self._sync_buttons()

    def _result_kind(self, layer: Any, mode: str) -> str:
        """`SDAP` (each run replaces the last), or with "new layer per run" `SDAP <mode>`, then
        `SDAP <mode> 2`, ... (a new layer for every run)."""
        if not self.output.compare.isChecked():
            return "SDAP"
        kind, n = f"SDAP {mode}", 1
        while f"{layer.name} [{kind}]" in self.viewer.layers:
            n += 1
            kind = f"SDAP {mode} {n}"
        return kind

    def stop(self) -> None:
        """Stop after the current tile; the partial result is discarded."""
        if self.worker is not None:
            self.stop_flag.set()

    def _refresh(self) -> None:
        """Show the tiles written so far: the layer re-reads the plane shown from the store; the
        next refresh waits `_SLOWER` times as long as this one took."""
        if self.out_layer is not None and self.run is not None:
            start = time.perf_counter()
            self.out_layer.refresh()
            self._refresh_gap = max(_REFRESH_S, _SLOWER * (time.perf_counter() - start))

    def _on_yield(self, rec: Any) -> None:
        self.progress.setRange(0, rec.total)
        self.progress.setValue(rec.done)
        # e.g. out of GPU memory: tiles were halved; its hints said for the panels (the
        # intensity warning named napari_sdap.train and the CLI, its refusal the Train panel)
        warning = for_panels(rec.warning) if rec.warning else rec.warning
        if warning and warning != self._warned:  # once per run, as a notification too
            from napari.utils.notifications import show_warning

            self._warned = warning
            show_warning(f"napari-sdap: {warning}")
        self.status.info(f"{rec.done}/{rec.total} tiles  {rec.mpix_per_s:.2f} Mpx/s  "
                         f"~{rec.eta_s:.0f} s left" + (f"  ({warning})" if warning else ""))
        if time.perf_counter() - self._last_refresh > self._refresh_gap:
            self._refresh()
            self._last_refresh = time.perf_counter()

    def _on_finished(self) -> None:
        self.worker = None  # the session has released the model (`Session.claim`)
        in_use.publish(stores.default_folder())
        self.output.refresh()
        self._sync_buttons()

    @property
    def output_path(self) -> Path | None:
        """Where the last finished result (still shown) is stored."""
        finished = self._finished() if self.worker is None else None
        return finished[0].path if finished is not None else None
