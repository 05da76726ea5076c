"""Train widget: self-supervised SDAP training on an Image layer, live and stoppable."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from napari_sdap._napari.controls import (
    LayerPicker,
    StatusLabel,
    StopOnClose,
    WrapLabel,
    advanced_section,
    ask,
    button_row,
    report_error,
)
from napari_sdap._napari.export_button import ExportButton
from napari_sdap._napari.layer_list import LayerChecklist
from napari_sdap._napari.layers import axes_field, layer_axes, level0
from napari_sdap._napari.loss_plot import LossPlot
from napari_sdap._napari.model_files import ModelLoading
from napari_sdap._napari.session import session_for
from napari_sdap._napari.train_checks import check_continued_student, check_training_layers
from napari_sdap._napari.train_preview import TrainPreview
from napari_sdap._napari.train_settings import CONTINUE_TIP, TrainSettings
from napari_sdap._napari.validation import validation_for
from napari_sdap._napari.wording import model_text, noise_text, planes_text, stopped_text
from napari_sdap._napari.workers import (
    Notice,
    Preview,
    TrainJob,
    close_on_abort,
    layer_file,
    train_steps,
)
from napari_sdap.errors import InputError

_READY = "choose a layer and press Train"
_STATE_EVERY_S = 1.0

__all__ = ["TrainWidget"]


class TrainWidget(TrainPreview, ModelLoading, StopOnClose, QWidget):
    """Train an SDAP model on the chosen layer; Stop keeps it, Continue trains it further.

    Closing the panel stops its training; a viewer trains one model at a time (`Session.claim`).
    `confirm(question) -> bool` asks before unsaved training is discarded (a dialog by default;
    replaceable, e.g. in tests).
    """

    def __init__(self, napari_viewer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.session = session_for(napari_viewer)
        self.worker: Any = None
        self.job: TrainJob | None = None
        self.layer_name = ""
        self._start_step = 0
        self.outcome = "idle"
        """idle, running, done, stopped or error: how the last run ended."""
        self.confirm: Callable[[str], bool] = lambda question: ask(self, question)
        self._last_state = 0.0
        self._trained = False
        self._distilled = False
        """Whether this run reached the student's distillation (for the Stop status)."""

        self.picker = LayerPicker(napari_viewer)
        self.axes = QLineEdit()
        self.axes.setToolTip("One letter per dimension from S T C Z Y X. Filled in from the layer;"
                             " C = channels (RGB channels go through the network together).")
        self.more = LayerChecklist(napari_viewer, self.picker)
        self.settings = TrainSettings()
        self.preview = QCheckBox("preview the shown plane while training")
        self.preview.setChecked(True)
        self.model_label = WrapLabel()
        self.noise = WrapLabel("Noise: measured when training starts")
        self.planes = WrapLabel()  # 2-D or 3-D and why: for 3-D models and automatic choices
        self.planes.hide()
        self.status = StatusLabel(_READY)
        self.progress = QProgressBar()
        self.plot = LossPlot()
        self.train_btn = QPushButton("Train")
        self.stop_btn = QPushButton("Stop")
        self.continue_btn = QPushButton("Continue")
        self.continue_btn.setToolTip(CONTINUE_TIP)
        self.save_btn = QPushButton("Save model...")
        self.load_btn = QPushButton("Load model...")
        self.export_btn = ExportButton(self.session, self.picker.layer, self.axes.text,
                                       self.status)
        self._layout()
        self._connect()
        self._on_layer()
        self._sync_buttons()

    def _layout(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.addRow("layer", self.picker)
        form.addRow("axes", self.axes)
        box = QVBoxLayout(self)
        box.setSpacing(4)
        box.addLayout(form)
        box.addWidget(advanced_section([("", self.more)], "More layers"))
        box.addWidget(self.settings)
        box.addWidget(self.preview)
        box.addLayout(button_row(self.train_btn, self.stop_btn, self.continue_btn))
        box.addWidget(self.progress)
        box.addWidget(self.status)
        box.addWidget(self.plot)
        box.addWidget(self.model_label)
        box.addWidget(self.noise)
        box.addWidget(self.planes)
        box.addLayout(button_row(self.save_btn, self.load_btn, self.export_btn))
        box.addStretch()

    def _connect(self) -> None:
        self.picker.currentIndexChanged.connect(self._on_layer)
        self.more.itemChanged.connect(self._update_memory)
        self.train_btn.clicked.connect(lambda: self.start(resume=False))
        self.continue_btn.clicked.connect(lambda: self.start(resume=True))
        self.stop_btn.clicked.connect(self.stop)
        self.save_btn.clicked.connect(lambda: self.save_model())
        self.load_btn.clicked.connect(lambda: self.load_model())
        self.axes.textEdited.connect(lambda *_: self.status.clear_error(_READY))
        self.axes.textChanged.connect(self.settings.planes.set_axes)
        self.axes.textChanged.connect(self._update_memory)
        self.session.model_changed.connect(self._on_model)
        self.session.state_changed.connect(self._show_model)
        self.viewer.dims.events.current_step.connect(self._update_preview_target)
        self.preview.toggled.connect(self._update_preview_target)
        self._on_model(self.session.model)  # a model made or loaded before this panel opened

    def _on_model(self, model: Any) -> None:
        if model is not None and self.worker is None:  # e.g. loaded in the Denoise panel
            self.plot.set_losses(list(model.record.losses), list(model.record.student_losses))
        self._show_model()

    def _show_model(self) -> None:
        text, details = model_text(self.session)
        self.model_label.setText(text)
        self.model_label.setToolTip(details)
        model = self.session.model
        if model is not None:
            text, details = noise_text(model.record.noise)
            self.noise.setText(text)
            self.noise.setToolTip(details)
            text, details = planes_text(model)
            self.planes.setText(text)
            self.planes.setToolTip(details)
        self.planes.setVisible(model is not None and bool(self.planes.text()))
        self._sync_buttons()

    # ---------------------------------------------------------------- settings
    def _on_layer(self, *_: Any) -> None:
        axes, why = axes_field(self.picker.layer())
        self.axes.setText(axes)
        self._update_memory()
        if why is None:
            self.status.clear_error(_READY)
        else:
            self.status.error(why)

    def _update_memory(self, *_: Any) -> None:
        """The memory line for the chosen layer, with the pixels of the ticked layers counted
        as training counts them for the preset `auto` picks."""
        from napari_sdap._napari.layers import training_extent

        layer = self.picker.layer()
        if layer is None:
            self.settings.update_memory(channels=1)
            return
        mode = self.settings.values()["overrides"].get("channel_mode", "auto")
        channels, pixels = training_extent(layer, self.axes.text().strip().upper(),
                                           self.more.checked_layers(), mode)
        self.settings.update_memory(channels=channels, pixels=pixels)

    # ---------------------------------------------------------------- running
    def start(self, resume: bool = False) -> None:
        """Train a new model (or, with `resume`, continue the current one) on the chosen layer."""
        from napari.qt.threading import create_worker

        if self.worker is not None:
            return
        try:
            layer = self.picker.layer()
            s = self.settings.values()
            axes = check_training_layers(layer, self.axes.text(), s["overrides"],
                                         self.more.checked_layers(),
                                         self.session.model if resume else None)
            self.settings.noise.check()
            if resume and self.session.model is None:
                raise InputError("no model to continue; press Train first or load a model")
            self.session.check("training", self.session.model if resume else None)
            others = [ly for ly in self.more.checked_layers() if ly is not layer]
            if not resume and not self.may_discard("start a new training"):
                return
            self.job = TrainJob(level0(layer), axes, s["steps"], s["preset"], s["stride"],
                                s["seed"], s["device"], overrides=s["overrides"],
                                more=[(level0(ly), layer_axes(ly)) for ly in others],
                                files=[layer_file(ly) for ly in (layer, *others)],
                                layers=[ly.name for ly in (layer, *others)])
            if resume:  # the model's own preset and network (the fields are for new ones)
                self.job.model, self.job.stride = self.session.model, "auto"
                self.job.preset, self.job.seed = "auto", None
                self.job.overrides = self.settings.continued(self.session.model)
                check_continued_student(self.session.model, self.job.overrides)
            self.job.validation, note = validation_for(self.job, s["validation"])
            self.plot.set_losses(list(self.session.model.record.losses) if resume else [])
            self._track_source(layer)
            self._set_preview_target()
        except Exception as err:
            report_error(err, self.status)
            return
        self.status.info("preparing (normalisation, noise estimate)..." + note)
        self.worker = close_on_abort(create_worker(train_steps, self.job))
        self.session.claim("training", self.worker, self, self.job.model, self.job.stop)
        self.worker.yielded.connect(self._on_yield)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self._on_finished)
        self._start_step = self.session.model.record.steps if resume else 0
        self._trained = self._distilled = False
        self.outcome = "running"
        self.worker.start()
        self._sync_buttons()

    def stop(self) -> None:
        """Stop after the current step; the model trained so far is kept."""
        if self.worker is not None:
            self.status.info("stopping after this step...")
            self.job.stop.set()

    def _on_yield(self, rec: Any) -> None:
        if isinstance(rec, Preview):
            self._show_preview(rec)
            return
        if isinstance(rec, Notice):  # e.g. the preview failed; training goes on
            from napari.utils.notifications import show_warning

            show_warning(rec.message)
            return
        self._trained = True
        self._distilled = self._distilled or rec.stage == "student"
        if self.session.model is not rec.model:
            self.session.set_model(rec.model, self.layer_name, saved=False)
            self.session.track("training", rec.model)  # no other run may use it now
        elif time.perf_counter() - self._last_state > _STATE_EVERY_S:
            self.session.changed(saved=False)
            self._last_state = time.perf_counter()
        self.progress.setRange(0, rec.steps - self._start_step)
        self.progress.setValue(rec.step - self._start_step)
        self.plot.append(rec.loss, rec.stage, rec.val_loss)
        if self.job is not None and self.job.stop.is_set():  # (a step that ended after Stop:
            # the model's curve and output are measured next, which takes a while; the running
            # status with its time left read as if Stop had done nothing)
            self.status.info(f"stopping after step {rec.step}: finishing the model trained so "
                             f"far...")
            return
        val = f"  validation {rec.val_loss:.4g}" if rec.val_loss is not None else ""
        self.status.info(f"{rec.stage} step {rec.step}/{rec.steps}  loss {rec.loss:.4g}{val}  "
                         f"{rec.steps_per_s:.1f} steps/s  ~{rec.eta_s:.0f} s left")

    def _on_error(self, err: BaseException) -> None:
        self.outcome = "error"
        # "kept" only when this run trained something (not when preparing failed)
        kept = self._trained and self.session.model is not None
        # napari shows the notification itself (the workers never end with a RuntimeError)
        self.status.error(f"{err}" + ("; the model trained so far is kept" if kept else ""))

    def _on_finished(self) -> None:
        self.worker = None  # the session has released the training (`Session.claim`)
        self._hide_preview()
        if self.outcome == "running" and self.job is not None and self.job.stop.is_set() \
                and not self.job.completed:  # (not a Stop pressed once the last step was done)
            self.outcome = "stopped"
            self.status.info(stopped_text(self.session.model, self._distilled))
        elif self.outcome == "running" and self.session.model is not None:
            self.outcome = "done"
            m = self.session.model
            self.status.info(f"done: {m.record.steps} steps, final loss {m.record.final_loss:.4g}"
                             f" - denoise with the Denoise widget or save the model")
        model = self.session.model
        if not self._trained and model is not None:  # (refused before its first step: the
            # plot, cleared for a new model, shows the losses of the one that stays current)
            self.plot.set_losses(list(model.record.losses), list(model.record.student_losses))
        self._note_source()
        # the labels show the model as it ended
        self.session.changed(saved=False if self._trained else None)

    def _sync_buttons(self) -> None:
        running = self.worker is not None
        busy = running or self.session.training  # (a training in another Train panel too)
        has_model = self.session.model is not None
        self.train_btn.setEnabled(not running)
        self.stop_btn.setEnabled(running)
        self.continue_btn.setEnabled(not busy and has_model)
        self.save_btn.setEnabled(not busy and has_model)
        self.load_btn.setEnabled(not busy)

