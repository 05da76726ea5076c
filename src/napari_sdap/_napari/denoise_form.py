"""The Denoise widget's controls and their layout (`DenoiseForm`), apart from its running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from napari_sdap._napari.controls import (
    LayerPicker,
    StatusLabel,
    WrapLabel,
    advanced_section,
    auto_spin,
    button_row,
    check_box,
)
from napari_sdap._napari.devices import device_choices
from napari_sdap._napari.export_button import ExportButton
from napari_sdap._napari.output_panel import OutputPanel

__all__ = ["DenoiseForm"]


class DenoiseForm:
    """Builds the Denoise widget's controls as attributes (`_make_controls`) and lays them out
    (`_layout`); the widget (a QWidget) supplies `session`, `confirm` and `_stores_in_use`."""

    session: Any
    confirm: Callable[[str], bool]
    _stores_in_use: Callable[[], set[str]]

    def _make_controls(self, napari_viewer: Any) -> None:
        self.picker = LayerPicker(napari_viewer)
        self.axes = QLineEdit()
        self.axes.setToolTip("One letter per dimension from S T C Z Y X, filled in from the layer")
        self.model_label = WrapLabel()
        self.load_btn = QPushButton("Load model...")
        self.mode = QComboBox()
        self.mode.addItems(["auto", "student", "sdap_e", "sdap", "bsn"])
        self.mode.setToolTip("auto: the distilled student when the model has one (fastest), "
                             "else what the model was trained for (bsn for white noise, sdap_e "
                             "for correlated noise); sdap is faster, sdap_e sharper")
        self.device = QComboBox()
        self.device.addItems(device_choices())
        self.tile = auto_spin(0, 65536, step=64,
                              tip="Tile edge in pixels (auto: from GPU memory; 256 on a CPU)")
        self.output = OutputPanel(lambda q: self.confirm(q), self._stores_in_use)
        self.folder = self.output.folder
        self.detail = check_box(
            "restore detail",
            "Give back input detail where the residual exceeds the noise "
            "measured at training (sharper edges and texture at high "
            "signal-to-noise), then the light blur a model trained for "
            "correlated noise chose, or the share of blurred input a "
            "model trained for strong noise chose; off: the network "
            "output only",
            checked=True)
        self.flips = QComboBox()
        self.flips.addItems(["1 (off)", "2", "4", "8"])
        self.flips.setToolTip("Average the network over 2, 4 or 8 flips and quarter turns of "
                              "the image: a little less noise (about 0.05-0.3 dB), that many "
                              "times the denoising time")
        self.residual = QCheckBox("add residual layer (input - output) for checking")
        self.status = StatusLabel("train or load a model, then Denoise")
        self.progress = QProgressBar()
        self.run_btn = QPushButton("Denoise")
        self.stop_btn = QPushButton("Stop")
        self.export_btn = ExportButton(self.session, self.picker.layer, self.axes.text,
                                       self.status, self.mode.currentText)
        self.save_btn = self.output.save_btn

    def _layout(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(4)
        for label, w in (("layer", self.picker), ("axes", self.axes), ("mode", self.mode),
                         ("device", self.device)):
            form.addRow(label, w)
        box = QVBoxLayout(self)
        box.setSpacing(4)
        box.addLayout(form)
        box.addWidget(self.model_label)
        box.addLayout(button_row(self.load_btn, self.export_btn))
        box.addWidget(advanced_section([("", self.detail), ("average over flips", self.flips),
                                        ("", self.residual), ("tile", self.tile)]))
        box.addWidget(self.output)
        box.addLayout(button_row(self.run_btn, self.stop_btn, self.save_btn))
        box.addWidget(self.progress)
        box.addWidget(self.status)
        box.addStretch()
