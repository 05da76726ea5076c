"""The "Export (bioimage.io)..." button of the Train and Denoise widgets.

It writes the viewer's current model as a bioimage.io package (`SDAPModel.export_bmz`) on a
worker thread, with a crop of the chosen image layer as the package's test image. The model is
copied first, so training on (or denoising with) it meanwhile cannot change what is written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtCore import Signal
from qtpy.QtWidgets import QFileDialog, QPushButton

from napari_sdap._napari.controls import StatusLabel, report_error
from napari_sdap._napari.layers import check_layer, level0
from napari_sdap._napari.panel_hints import for_panels, in_panel_words
from napari_sdap._napari.session import Session
from napari_sdap._napari.workers import WorkerError, failure_message
from napari_sdap.errors import InputError, SdapError

__all__ = ["ExportButton"]


def _export(model: Any, path: str, **options: Any) -> Path:
    """`model.export_bmz` in the worker thread; a failure that is not a typed error (or is a
    RuntimeError, which the worker would swallow) becomes a `WorkerError` saying so."""
    try:
        return model.export_bmz(path, **options)
    except Exception as err:
        if isinstance(err, SdapError) and not isinstance(err, RuntimeError):
            in_panel_words(err)  # (its hints said for the panels)
            raise
        raise WorkerError(for_panels(failure_message(err, "export"))) from err


class ExportButton(QPushButton):
    """Export the session's model; `done` carries the written path or the error, once the
    button is ready for the next export."""

    done = Signal(object)

    def __init__(self, session: Session, layer: Callable[[], Any], axes: Callable[[], str],
                 status: StatusLabel, mode: Callable[[], str] = lambda: "auto") -> None:
        super().__init__("Export (bioimage.io)...")
        self.setToolTip("Write the current model as a BioImage Model Zoo package (.zip) that "
                        "runs in Fiji/deepImageJ, ilastik, BiaPy, QuPath and bioimage.io tools; "
                        "a crop of the chosen layer becomes its test image and cover")
        self.session, self.status = session, status
        self._layer, self._axes, self._mode = layer, axes, mode
        self.worker: Any = None
        self._result: Any = None
        self.clicked.connect(lambda: self.export())
        session.model_changed.connect(lambda *_: self._sync())
        self._sync()

    def _sync(self) -> None:
        self.setEnabled(self.worker is None and self.session.model is not None)

    def _ask(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to bioimage.io", "sdap_model.zip",
                                              "bioimage.io package (*.zip)")
        return path or None

    def export(self, path: str | None = None) -> None:
        """Export to `path` (a file dialog asks when None; a file chosen there is replaced, a
        given `path` never is)."""
        from napari.qt.threading import create_worker

        if self.worker is not None:
            self.status.info("an export is already running; wait until it has finished")
            return
        try:
            model = self.session.model
            if model is None:
                raise InputError("no model yet: train one or load a model file, then export it")
            if self.session.training:
                raise InputError("the model is still training; stop training or wait, then "
                                 "export it")
            layer = self._layer()
            check_layer(layer)
            sample, axes, mode = level0(layer), self._axes().strip().upper() or None, self._mode()
            model.resolve_mode(mode)  # a bad mode is refused before the dialog
        except Exception as err:
            report_error(err, self.status)
            self.done.emit(err)
            return
        overwrite = path is None
        path = path or self._ask()
        if not path:
            return
        snapshot = copy.deepcopy(model)
        self.worker = create_worker(
            _export, snapshot, path, sample=sample, axes=axes, mode=mode, overwrite=overwrite,
            _start_thread=False, _connect={"returned": self._on_done,
                                           "errored": self._on_error,
                                           "finished": self._on_finished})
        self.status.info(f"exporting to {Path(path).name} (test image: {layer.name})...")
        self._sync()
        self.worker.start()

    def _on_done(self, path: Path) -> None:
        self.status.info(f"bioimage.io package written to {path}")
        self._result = path

    def _on_error(self, err: BaseException) -> None:
        report_error(err, self.status)
        self._result = err

    def _on_finished(self) -> None:
        self.worker = None
        self._sync()
        result, self._result = self._result, None
        self.done.emit(result)
