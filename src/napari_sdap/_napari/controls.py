"""Small Qt building blocks shared by the Train and Denoise widgets."""

from __future__ import annotations

import logging
import re
from typing import Any

from qtpy.QtCore import QEvent
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from napari_sdap._napari.layers import is_own_result, level0
from napari_sdap._napari.preview_layer import is_own_preview, keeping_selection

__all__ = ["LayerPicker", "StatusLabel", "StopOnClose", "WrapLabel", "advanced_section", "ask",
           "auto_spin", "button_row", "report_error"]


def ask(parent: QWidget, question: str) -> bool:
    """Ask a yes/no question in a dialog; True for yes."""
    from qtpy.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "napari-sdap", question)
    return answer == QMessageBox.StandardButton.Yes

log = logging.getLogger("napari_sdap")

_RESULT = re.compile(r" \[SDAP[^\]]*\]$")
"""Names of this plugin's result layers: `cells [SDAP]`, `[SDAP bsn]`, `[SDAP preview]`, ..."""


_NOT_DENOISED = re.compile(r" \[SDAP (residual|preview)( \d+)?\]$")


def is_denoised(name: str) -> bool:
    """A denoised result's layer: `<name> [SDAP]`, or `[SDAP bsn]`, `[SDAP 2]` ... of a run kept
    apart or named around a user's layer (not a residual nor a training preview)."""
    return bool(_RESULT.search(name)) and not _NOT_DENOISED.search(name)


class StopOnClose:
    """Mixin of the Train and Denoise panels (QWidgets with a `stop()`): closing stops the run.

    napari's close button on a dock removes the dock and takes the panel out of it
    (``setParent(None)``; hiding the dock does not). A closed panel can neither show nor stop its
    run, so the run stops after the current step or tile. (Deleting the panel, e.g. with its
    viewer, stops it too; see `Session.claim`.)
    """

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ParentChange and self.parentWidget() is None:
            self.stop()
        return super().event(event)


class LayerPicker(QComboBox):
    """Chooses an Image layer of the viewer; follows the selection and renames, adds, removals.

    Not magicgui's layer combo (``create_widget(annotation=napari.layers.Image)``): that one
    lists every Image layer, including this plugin's own results (denoised, preview, residual),
    and does not follow the layer the user selects in the layer list; both are wanted here.
    """

    def __init__(self, viewer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self._layers: list[Any] = []
        """The listed layers, item by item: the choice is a layer object, so that renaming it
        keeps it chosen (names change; the object does not)."""
        self._shape: tuple[int, ...] | None = None
        """The chosen layer's shape when it was last announced (see `_on_data`)."""
        self.setToolTip("Image layer to use (follows the selected layer)")
        ev = viewer.layers.events
        ev.inserted.connect(self._on_inserted)
        ev.removed.connect(self.refresh)
        ev.reordered.connect(self.refresh)
        viewer.layers.selection.events.active.connect(self._on_active)
        self.currentIndexChanged.connect(self._remember)
        self.refresh()
        self._remember()
        self.select(viewer.layers.selection.active)

    @staticmethod
    def _is_image(layer: Any) -> bool:
        return layer is not None and layer.__class__.__name__ == "Image"

    def images(self) -> list[Any]:
        """The viewer's Image layers a model can train on or denoise (no SDAP results)."""
        return self._images()

    def _images(self) -> list[Any]:
        # napari-sdap's own results and previews by their marking, not their names: a user's
        # layer named `scan [SDAP 2]` can be chosen, and renaming the chosen one keeps it
        return [ly for ly in self.viewer.layers if self._is_image(ly)
                and not is_own_result(ly) and not is_own_preview(ly)]

    def refresh(self, *_: Any) -> None:
        """List the Image layers again, keeping the chosen layer (by identity, renamed or moved).

        `currentIndexChanged` is emitted only when the chosen layer itself changes (it was
        removed, or nothing was chosen): the panels then guess its axes anew, which must not
        replace axes the user typed for a layer that is still chosen.
        """
        current = self._chosen()
        self.blockSignals(True)
        self.clear()
        self._layers = self._images()
        for layer in self._layers:
            self.addItem(layer.name)
            layer.events.name.disconnect(self.refresh)
            layer.events.name.connect(self.refresh)
            layer.events.data.disconnect(self._on_data)
            layer.events.data.connect(self._on_data)
        index = self._index_of(current)
        self.setCurrentIndex(index if index >= 0 else (0 if self.count() else -1))
        self.blockSignals(False)
        if self._chosen() is not current:
            self.currentIndexChanged.emit(self.currentIndex())

    def _chosen(self) -> Any:
        """The layer of the current item (it may have left the viewer since), or None."""
        index = self.currentIndex()
        return self._layers[index] if 0 <= index < len(self._layers) else None

    def _index_of(self, layer: Any) -> int:
        """The item of `layer` (the object itself), or -1."""
        return next((i for i, ly in enumerate(self._layers) if ly is layer), -1)

    def select(self, layer: Any) -> None:
        """Choose `layer` when it is listed; else keep the choice."""
        index = self._index_of(layer) if layer is not None else -1
        if index >= 0:
            self.setCurrentIndex(index)

    def _on_data(self, event: Any) -> None:
        """The chosen layer got data of another shape: announced as a new choice
        (`currentIndexChanged`), so that the axes field and the memory line follow it."""
        if event.source is self.layer() and self._shape_of(event.source) != self._shape:
            self.currentIndexChanged.emit(self.currentIndex())

    @staticmethod
    def _shape_of(layer: Any) -> tuple[int, ...] | None:
        if layer is None:
            return None
        return (*level0(layer).shape, int(layer.rgb))

    def _remember(self, *_: Any) -> None:
        self._shape = self._shape_of(self.layer())

    def _on_inserted(self, event: Any) -> None:
        self.refresh()
        self.select(event.value)

    def _on_active(self, event: Any) -> None:
        if not keeping_selection(self.viewer):  # (a selection put back is no user's choice)
            self.select(event.value)

    def layer(self) -> Any:
        """The chosen layer, or None (also once it has left the viewer)."""
        layer = self._chosen()
        return layer if layer is not None and layer in self.viewer.layers else None


def auto_spin(minimum: int, maximum: int, value: int = 0, special: str = "auto",
              step: int = 1, tip: str = "") -> QSpinBox:
    """A spin box whose lowest value shows as `special` (meaning: let SDAP choose)."""
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSpecialValueText(special)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def check_box(text: str, tip: str, checked: bool = False) -> QCheckBox:
    """A check box with its tooltip, ticked when `checked`."""
    box = QCheckBox(text)
    box.setChecked(checked)
    box.setToolTip(tip)
    return box


def spin_value(box: QSpinBox) -> int | None:
    """The value of an `auto_spin`, or None when it shows its special (auto) text."""
    return None if box.value() == box.minimum() and box.specialValueText() else box.value()


class WrapLabel(QLabel):
    """A word-wrapped label that always gets the height its text needs at its current width.

    (Layouts give a wrapped QLabel the height of its unwrapped size hint, which clips long texts
    in narrow docks; this label raises its minimum height to `heightForWidth` instead.)
    """

    def __init__(self, text: str = "", lines: int = 1) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self._lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._fit()

    def _fit(self) -> None:
        need = self.heightForWidth(max(self.width(), 50)) if self.text() else 0
        floor = self.fontMetrics().lineSpacing() * self._lines + 4
        self.setMinimumHeight(max(need, floor))

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()


class StatusLabel(WrapLabel):
    """Status text; errors in red until the next message (or `clear_error`)."""

    def __init__(self, text: str = "", lines: int = 2) -> None:
        super().__init__(text, lines)
        self.is_error = False

    def info(self, text: str) -> None:
        self.is_error = False
        self.setStyleSheet("")
        self.setText(text)

    def error(self, text: str) -> None:
        self.is_error = True
        self.setStyleSheet("color: #ff6b6b;")
        self.setText(text)

    def clear_error(self, text: str) -> None:
        """Replace a shown error by `text` (the problem it named may be gone); else no change."""
        if self.is_error:
            self.info(text)


def advanced_section(rows: list[tuple[str, QWidget]], title: str = "Advanced") -> QWidget:
    """A collapsed section holding a form of `rows` (label, widget)."""
    from qtpy.QtWidgets import QFormLayout
    from superqt import QCollapsible

    inner = QWidget()
    form = QFormLayout(inner)
    form.setContentsMargins(0, 0, 0, 0)
    for label, w in rows:
        form.addRow(label, w)
    section = QCollapsible(title)
    section.layout().setContentsMargins(0, 0, 0, 0)
    section.layout().setSpacing(0)
    section.addWidget(inner)
    section.collapse(animate=False)
    section.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    return section


def report_error(err: BaseException, status: StatusLabel | None = None) -> str:
    """Show `err` as a napari error notification (and in `status`); returns the message.

    SDAP's own errors carry a message that says what to change (said for the panels:
    `panel_hints`); anything else is reported with its type and logged with the traceback.
    """
    from napari.utils.notifications import show_error

    from napari_sdap._napari.panel_hints import for_panels
    from napari_sdap.errors import SdapError

    if isinstance(err, SdapError):
        msg = for_panels(str(err))  # the panels' hints, not the API's / command line's
    else:
        msg = f"{type(err).__name__}: {err}"
        log.error("napari-sdap: unexpected error", exc_info=err)
    if status is not None:
        status.error(msg)
    show_error(msg)
    return msg


def button_row(*widgets: QWidget) -> QHBoxLayout:
    """The widgets side by side, in one row."""
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    return row
