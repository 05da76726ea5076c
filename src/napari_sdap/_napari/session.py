"""State shared by the Train and Denoise widgets of one viewer: the current model and its runs."""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any

from qtpy.QtCore import QObject, Signal

from napari_sdap.errors import InputError

__all__ = ["Session", "model_file_dialog", "session_for", "with_model_ending"]

_MODEL_ENDINGS = (".safetensors", ".zip")
"""Endings of the model files the panels load (any case): a saved model, a bioimage.io zip."""

_IN_USE: dict[int, str] = {}
"""id(model) -> "training" or "denoising", for every model a run of any viewer is using."""


class Session(QObject):
    """The current model of a viewer: trained in the Train widget or loaded from a file."""

    model_changed = Signal(object)
    """A different model became the current one."""
    state_changed = Signal()
    """The current model changed in place (trained on, saved) or a run started or ended."""

    def __init__(self) -> None:
        super().__init__()
        self.model: Any = None
        self.source = ""
        """Where the model came from: a layer name or a file path."""
        self.saved = True
        """False while the current model has training that is in no file yet."""
        self.training = False
        """True while the Train widget is changing the model (denoising must wait)."""
        self.denoising = False
        """True while the Denoise widget uses the model (continuing training must wait)."""
        self._runs: dict[str, tuple[Any, Any, Any, threading.Event]] = {}
        """kind -> (worker, panel, model, stop) of the runs in progress (see `claim`)."""

    def check(self, kind: str, model: Any) -> None:
        """Raise an `InputError` unless a `kind` ("training" or "denoising") run of `model` may
        start: one run of each kind per viewer (a closed panel's run included), no denoising
        while training, and no run on a model that a run of any viewer uses (two runs never share
        a network)."""
        if kind in self._runs:
            raise InputError(f"{kind} is already running in this viewer (possibly from a panel "
                             f"that was closed and is stopping); stop it or wait until it has "
                             f"ended, then start again")
        if kind == "denoising" and self.training:
            raise InputError("the model is still training; stop training or wait, then denoise")
        busy = _IN_USE.get(id(model)) if model is not None else None
        if busy:
            raise InputError(f"the model is in use ({busy}) in another panel or viewer; wait "
                             f"until that run ends or stop it, then try again")

    def claim(self, kind: str, worker: Any, panel: Any, model: Any,
              stop: threading.Event) -> None:
        """Register `panel`'s `kind` run `worker` on `model`, if `check` allows it.

        Until the worker has finished, `training`/`denoising` is True and the panel is kept
        alive (its result handlers run even after napari closed it); deleting the panel sets
        `stop`.
        """
        self.check(kind, model)
        self._runs[kind] = (worker, panel, model, stop)
        setattr(self, kind, True)
        if model is not None:
            _IN_USE[id(model)] = kind
        panel.destroyed.connect(stop.set)
        worker.finished.connect(self._end_training if kind == "training" else self._end_denoising)
        self.state_changed.emit()

    def track(self, kind: str, model: Any) -> None:
        """The `kind` run now uses `model` (a new training's model, once it exists)."""
        worker, panel, old, stop = self._runs[kind]
        _IN_USE.pop(id(old), None)
        self._runs[kind] = (worker, panel, model, stop)
        _IN_USE[id(model)] = kind

    def _end_training(self) -> None:
        self._release("training")

    def _end_denoising(self) -> None:
        self._release("denoising")

    def _release(self, kind: str) -> None:
        _, panel, model, stop = self._runs.pop(kind)
        setattr(self, kind, False)
        if model is not None:
            _IN_USE.pop(id(model), None)
        with contextlib.suppress(TypeError, RuntimeError):  # the panel may be deleted already
            panel.destroyed.disconnect(stop.set)
        self.state_changed.emit()

    def set_model(self, model: Any, source: str, saved: bool = True) -> None:
        self.model, self.source, self.saved = model, source, saved
        self.model_changed.emit(model)
        self.state_changed.emit()

    def changed(self, saved: bool | None = None) -> None:
        """The current model changed in place (e.g. trained on); `saved=False`: not in a file."""
        if saved is not None:
            self.saved = saved
        self.state_changed.emit()

    def source_name(self) -> str:
        """Where the model came from, short: a layer name or a file name."""
        from pathlib import Path

        return Path(self.source).name if self.source.lower().endswith(_MODEL_ENDINGS) \
            else self.source

    def load(self, path: str) -> Any:
        """Load a model file (never unpickled) and make it the current model.

        Refused while a training changes the current model (it would be replaced unseen)."""
        from napari_sdap import load_model

        if self.training:
            raise InputError("a training is running; stop it or wait until it ends before "
                             "loading another model")
        model = load_model(path)
        self.set_model(model, str(path))
        return model

    def save(self, path: str, overwrite: bool = False) -> Any:
        """Save the current model (safetensors + JSON, written atomically); returns the path.

        An existing file is replaced only with `overwrite=True`. Refused while a training
        changes the model (in any Train panel)."""
        if self.training:
            raise InputError("a training is running; stop it or wait until it ends, then save "
                             "the model")
        out = self.model.save(path, overwrite=overwrite)
        self.source, self.saved = str(out), True
        self.state_changed.emit()
        return out

    def describe(self) -> str:
        m = self.model
        if m is None:
            return "no model yet: train one or load a model file"
        n = m.config.network
        return (f"{n.preset} (width {n.width}, {n.blocks} blocks, {n.in_channels} ch), "
                f"stride {m.config.training.stride}, {m.record.steps} steps - {self.source}; "
                f"{m.describe_detail()}")


_SESSIONS: weakref.WeakKeyDictionary[Any, Session] = weakref.WeakKeyDictionary()


def session_for(viewer: Any) -> Session:
    """The one `Session` of `viewer` (created on first use)."""
    if viewer not in _SESSIONS:
        _SESSIONS[viewer] = Session()
    return _SESSIONS[viewer]


def with_model_ending(path: str) -> str:
    """`path` ending in `.safetensors` (any case): a name typed without it gets it, so that the
    Load dialogs (which list `*.safetensors`) show the file."""
    path = path.rstrip(". ")  # Windows drops trailing dots and spaces anyway
    return path if path.lower().endswith(".safetensors") else path + ".safetensors"


def model_file_dialog(parent: Any, save: bool) -> str | None:
    """Ask for a model file to save to or load from; None when cancelled."""
    from qtpy.QtWidgets import QFileDialog

    kinds = "SDAP model (*.safetensors);;All files (*)"
    if not save:  # packages exported to bioimage.io by napari-sdap load too
        kinds = "SDAP model (*.safetensors *.zip);;All files (*)"
    if save:
        path, _ = QFileDialog.getSaveFileName(parent, "Save SDAP model",
                                              "sdap_model.safetensors", kinds)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, "Load SDAP model", "", kinds)
    return path or None
