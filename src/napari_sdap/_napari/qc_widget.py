"""Quality control widget: was only noise removed? Checks a denoised layer against its input."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from qtpy.QtCore import Signal
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from napari_sdap._napari import in_use
from napari_sdap._napari.controls import StatusLabel, ask, is_denoised, report_error
from napari_sdap._napari.layers import check_layer, layer_axes, level0, source_of
from napari_sdap._napari.model_files import ModelLoading
from napari_sdap._napari.result_model import check_made_by
from napari_sdap._napari.session import session_for
from napari_sdap._napari.wording import model_text
from napari_sdap.errors import InputError

__all__ = ["QCWidget", "run_check"]

_NONE = "(none)"


class _ImagePicker(QComboBox):
    """Chooses any Image layer (results included); keeps its choice while layers change."""

    def __init__(self, viewer: Any, optional: bool = False, prefer_result: bool = False) -> None:
        super().__init__()
        self.viewer, self.optional, self.prefer_result = viewer, optional, prefer_result
        self._layers: list[Any] = []
        """The listed layers, item by item (after `(none)`): the choice is the layer object."""
        ev = viewer.layers.events
        for signal in (ev.inserted, ev.removed, ev.reordered):
            signal.connect(self.refresh)
        if prefer_result:  # a new result is what the user wants to check
            ev.inserted.connect(self._on_inserted)
        self.refresh()

    def _on_inserted(self, event: Any) -> None:
        name = getattr(event.value, "name", "")
        if is_denoised(name) and self.findText(name) >= 0:
            self.setCurrentText(name)

    def refresh(self, *_: Any) -> None:
        """List the Image layers again, keeping the chosen one by identity (renamed or moved)."""
        current = self._chosen()
        self._layers = [ly for ly in self.viewer.layers if ly.__class__.__name__ == "Image"]
        names = [ly.name for ly in self._layers]
        for layer in self.viewer.layers:
            layer.events.name.disconnect(self.refresh)
            layer.events.name.connect(self.refresh)
        self.blockSignals(True)
        self.clear()
        self.addItems(([_NONE] if self.optional else []) + names)
        index = next((i for i, ly in enumerate(self._layers) if ly is current), -1)
        if index >= 0:
            self.setCurrentIndex(index + int(self.optional))
        elif not self.optional:
            results = [n for n in names if is_denoised(n)][::-1]  # the newest first
            others = [n for n in names if not n.endswith("]")]
            pick = (results if self.prefer_result else others) or names
            if pick:
                self.setCurrentText(pick[0])
        self.blockSignals(False)

    def _chosen(self) -> Any:
        """The layer of the current item (it may have left the viewer since), or None."""
        index = self.currentIndex() - int(self.optional)
        return self._layers[index] if 0 <= index < len(self._layers) else None

    def choose(self, layer: Any) -> None:
        """Choose `layer` if it is listed (else leave the choice as it is)."""
        index = next((i for i, ly in enumerate(self._layers) if ly is layer), -1)
        if index >= 0 and self._chosen() is not layer:
            self.setCurrentIndex(index + int(self.optional))

    def layer(self) -> Any:
        """The chosen layer, or None (`(none)`, or it has left the viewer)."""
        layer = self._chosen()
        return layer if layer is not None and layer in self.viewer.layers else None


def run_check(noisy: Any, denoised: Any, model: Any, reference: Any, axes: str) -> Any:
    """The worker's job: `api.quality_report`, any failure turned into an error napari shows."""
    from napari_sdap._napari.panel_hints import for_panels, in_panel_words
    from napari_sdap._napari.workers import WorkerError, failure_message
    from napari_sdap.api.quality import quality_report
    from napari_sdap.errors import SdapError

    try:
        return quality_report(noisy, denoised, model=model, reference=reference, axes=axes)
    except Exception as err:
        if isinstance(err, SdapError) and not isinstance(err, RuntimeError):
            in_panel_words(err)  # (its hints said for the panels)
            raise
        raise WorkerError(for_panels(failure_message(err, "the quality check"))) from err


def _axes(noisy: Any, sdap: dict[str, Any]) -> str:
    """The axes the result was denoised with (its record), else the input layer's guess."""
    recorded = str((sdap.get("input") or {}).get("axes") or "")
    if recorded and len(recorded) == level0(noisy).ndim:
        return recorded
    try:
        return layer_axes(noisy)
    except InputError:  # (that message names the axes field the other panels have)
        raise InputError(f"the axes of {noisy.name!r} (shape {tuple(level0(noisy).shape)}) "
                         f"cannot be guessed; give the layer axis labels (t, c, z, y, x), or "
                         f"check the result of a Denoise run, which records the axes it "
                         f"used") from None


class QCWidget(ModelLoading, QWidget):
    """Check a denoised layer: what was removed, against the noise and an optional reference.

    Loading a model here asks first when unsaved training would go, as the other panels do."""

    checked = Signal(object)
    """Emitted with the `QCReport` once it is shown."""
    failed = Signal(str)

    def __init__(self, napari_viewer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from napari_sdap.qc.figure import new_figure

        self.viewer = napari_viewer
        self.session = session_for(napari_viewer)
        self.worker: Any = None
        self._held: list[str] = []
        """The stores the running check reads (`in_use.hold`)."""
        self.report: Any = None
        self.confirm: Callable[[str], bool] = lambda question: ask(self, question)
        self.noisy = _ImagePicker(napari_viewer)
        self.noisy.setToolTip("The noisy image that was denoised")
        self.denoised = _ImagePicker(napari_viewer, prefer_result=True)
        self.denoised.setToolTip("The denoised result of that image (same shape)")
        self.reference = _ImagePicker(napari_viewer, optional=True)
        self.reference.setToolTip("A clean image of the same scene, if you have one: adds "
                                  "PSNR and SSIM")
        self.use_model = QCheckBox("compare with the model's noise")
        self.use_model.setChecked(True)
        self.use_model.setToolTip("Compare the removed part with the noise the model measured "
                                  "at training, and count where its detail restore gave "
                                  "input back (runs its network on a few windows)")
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.load_btn = QPushButton("Load model...")
        self.run_btn = QPushButton("Check")
        self.status = StatusLabel("choose the input and the denoised layer, then Check")
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setMinimumHeight(80)  # (three panels docked at once fit a screen)
        self.canvas = FigureCanvasQTAgg(new_figure())
        self.canvas.setMinimumHeight(220)  # it grows where the dock has room
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        form = QFormLayout()
        for label, w in (("input", self.noisy), ("denoised", self.denoised),
                         ("reference", self.reference), ("model", self.model_label),
                         ("", self.load_btn), ("", self.use_model)):
            form.addRow(label, w)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.run_btn)
        box.addWidget(self.status)
        box.addWidget(self.summary)
        box.addWidget(self.canvas)
        self.load_btn.clicked.connect(lambda: self.load_model())
        self.run_btn.clicked.connect(self.check)
        for picker in (self.noisy, self.denoised, self.reference):  # a layer chosen: an error
            picker.currentIndexChanged.connect(  # about the choice is gone
                lambda *_: self.status.clear_error("press Check"))
        self.denoised.currentIndexChanged.connect(self._follow_result)
        for event in (self.viewer.layers.events.inserted, self.viewer.layers.events.removed):
            event.connect(self._follow_result)  # (after the pickers' own refresh)
        self._follow_result()
        self.session.model_changed.connect(self._on_model)
        self.session.state_changed.connect(self._on_model)  # trained further, saved, ...
        self._on_model()

    def _follow_result(self, *_: Any) -> None:
        """The input follows the result chosen: the layer it was denoised from, whatever the
        two are named now (`layers.source_of`); by its name (`a` for `a [SDAP bsn]`) only for
        a result this process did not make."""
        result = self.denoised.layer()
        source = source_of(result) if result is not None else None
        if source is not None:
            self.noisy.choose(source)
            return
        name = self.denoised.currentText()
        if is_denoised(name):
            source = name[: name.rindex(" [SDAP")]
            if source != self.noisy.currentText() and self.noisy.findText(source) >= 0:
                self.noisy.setCurrentText(source)

    def _on_model(self, *_: Any) -> None:
        text, details = model_text(self.session)  # as the Train and Denoise panels say it
        self.model_label.setText(text)
        self.model_label.setToolTip(details)

    def check(self) -> None:
        """Run the check in a worker thread; `checked` or `failed` is emitted when it ends."""
        from napari.qt.threading import create_worker

        if self.worker is not None:
            return
        try:
            noisy, denoised = self.noisy.layer(), self.denoised.layer()
            for layer, what in ((noisy, "input"), (denoised, "denoised")):
                if layer is None:
                    raise InputError(f"choose the {what} layer first")
                check_layer(layer)
            sdap = denoised.metadata.get("sdap") or {}
            if sdap and not sdap.get("complete", False):  # tiles are still arriving
                raise InputError(f"{denoised.name!r} is not finished; wait until denoising has "
                                 f"ended, then check it")
            if noisy is denoised:
                raise InputError("the input and the denoised layer are the same layer; choose "
                                 "the result (e.g. '<name> [SDAP]') as the denoised layer")
            if tuple(noisy.data.shape) != tuple(denoised.data.shape):
                raise InputError(f"the input layer {noisy.name!r} has shape "
                                 f"{tuple(noisy.data.shape)} but the denoised layer "
                                 f"{denoised.name!r} {tuple(denoised.data.shape)}; choose the "
                                 f"result of that input")
            ref = self.reference.layer()
            if ref is noisy or ref is denoised:  # (PSNR and SSIM of a layer against itself)
                raise InputError(f"the reference is the {'input' if ref is noisy else 'denoised'}"
                                 f" layer {ref.name!r} itself; choose a clean image of the same "
                                 f"scene as the reference, or (none)")
            # (other dimensions: the check would ask for axis letters, which this panel takes
            # from the input; a size that differs alone the check names itself)
            if ref is not None and (len(level0(ref).shape) != len(level0(noisy).shape)
                                    or ref.rgb != noisy.rgb):
                raise InputError(f"the reference layer {ref.name!r} has shape "
                                 f"{tuple(level0(ref).shape)} but the input layer {noisy.name!r} "
                                 f"{tuple(level0(noisy).shape)}; choose a clean image of the "
                                 f"same scene and shape as the reference, or (none)")
            model = self.session.model if self.use_model.isChecked() else None
            if model is not None:
                try:
                    self.session.check("denoising", model)
                except InputError:
                    raise InputError("the model is in use by a run (training or denoising); "
                                     "wait until it ends, or untick 'compare with the model's "
                                     "noise' to check without the model") from None
                check_made_by(denoised.name, sdap, model)  # (not another model's result)
            args = (level0(noisy), level0(denoised), model,
                    level0(ref) if ref is not None else None, _axes(noisy, sdap))
        except Exception as err:
            report_error(err, self.status)
            self.failed.emit(str(err))
            return
        self.worker = create_worker(run_check, *args)
        # the check reads the layers lazily: no rerun or Clear cache deletes their stores meanwhile
        self._held = in_use.hold((ly.metadata.get("sdap") or {}).get("store")
                                 for ly in (noisy, denoised, ref) if ly is not None)
        if model is not None:  # the network must not be trained or used elsewhere meanwhile
            self.session.claim("denoising", self.worker, self, model, threading.Event())
        self.worker.returned.connect(self._on_done)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self._on_finished)
        self.run_btn.setEnabled(False)
        self.status.info("checking...")
        self.worker.start()

    def _on_done(self, report: Any) -> None:
        from napari_sdap.qc.figure import draw_report

        self.report = report
        self.summary.setPlainText(report.summary())
        draw_report(self.canvas.figure, report)
        self.canvas.draw_idle()
        self.status.info("no warnings" if report.ok else
                         f"{len(report.flags)} warning(s): see the summary")
        self.checked.emit(report)

    def _on_error(self, err: BaseException) -> None:
        self.status.error(str(err))
        self.failed.emit(str(err))

    def _on_finished(self) -> None:
        self.worker = None
        in_use.release(self._held)
        self._held = []
        self.run_btn.setEnabled(True)
