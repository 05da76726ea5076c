"""State shared by the Train and Denoise widgets of one viewer: the current model."""

from __future__ import annotations

import weakref
from typing import Any

from qtpy.QtCore import QObject, Signal

__all__ = ["Session", "model_file_dialog", "session_for"]


class Session(QObject):
    """The current model of a viewer: trained in the Train widget or loaded from a file."""

    model_changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.model: Any = None
        self.source = ""
        """Where the model came from: a layer name or a file path."""
        self.training = False
        """True while the Train widget is changing the model (denoising must wait)."""
        self.denoising = False
        """True while the Denoise widget uses the model (continuing training must wait)."""

    def set_model(self, model: Any, source: str) -> None:
        self.model, self.source = model, source
        self.model_changed.emit(model)

    def load(self, path: str) -> Any:
        """Load a model file (never unpickled) and make it the current model."""
        from napari_sdap import load_model

        model = load_model(path)
        self.set_model(model, str(path))
        return model

    def save(self, path: str) -> Any:
        """Save the current model (safetensors + JSON, written atomically); returns the path."""
        return self.model.save(path)

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


def model_file_dialog(parent: Any, save: bool) -> str | None:
    """Ask for a model file to save to or load from; None when cancelled."""
    from qtpy.QtWidgets import QFileDialog

    kinds = "SDAP model (*.safetensors);;All files (*)"
    if save:
        path, _ = QFileDialog.getSaveFileName(parent, "Save SDAP model",
                                              "sdap_model.safetensors", kinds)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, "Load SDAP model", "", kinds)
    return path or None
