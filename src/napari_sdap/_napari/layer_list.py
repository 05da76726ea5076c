"""A checklist of the viewer's Image layers: the further layers a model trains on."""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QListWidget, QListWidgetItem, QSizePolicy

from napari_sdap._napari.controls import LayerPicker

__all__ = ["LayerChecklist"]


class LayerChecklist(QListWidget):
    """Image layers (the plugin's own results left out) to tick; follows adds, removals, renames.

    The layer chosen in `picker` is left out of the list (it is always trained on).
    """

    def __init__(self, viewer: Any, picker: LayerPicker) -> None:
        super().__init__()
        self.viewer, self.picker = viewer, picker
        self._layers: list[Any] = []
        """The listed layers, item by item: ticks belong to the layer objects, not names."""
        self.setToolTip("Tick further Image layers to train one model on all of them (their "
                        "axes are read from each layer; channels must agree)")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * 5 + 8)
        ev = viewer.layers.events
        for e in (ev.inserted, ev.removed, ev.reordered):
            e.connect(self.refresh)
        picker.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: Any) -> None:
        """List the layers again; a ticked layer stays ticked (by identity: renamed or moved)."""
        ticked = self._ticked()
        chosen = self.picker.layer()
        self.clear()
        self._layers = []
        for layer in self.picker.images():
            layer.events.name.disconnect(self.refresh)
            layer.events.name.connect(self.refresh)
            if layer is chosen:
                continue
            item = QListWidgetItem(layer.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if any(layer is t for t in ticked)
                               else Qt.CheckState.Unchecked)
            self.addItem(item)
            self._layers.append(layer)

    def _ticked(self) -> list[Any]:
        """The listed layers that are ticked (some may have left the viewer since)."""
        return [ly for i, ly in enumerate(self._layers)
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def checked_names(self) -> list[str]:
        return [ly.name for ly in self.checked_layers()]

    def set_checked(self, name: str, on: bool = True) -> None:
        for i in range(self.count()):
            if self.item(i).text() == name:
                self.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked_layers(self) -> list[Any]:
        """The ticked layers still in the viewer."""
        return [ly for ly in self._ticked() if ly in self.viewer.layers]
