"""The Train panel's known noise level (Advanced section): off by default (the noise is read
from the data); on, the camera's read noise and, for Poisson noise, its gain and offset
(`TrainingConfig.noise_std`, `noise_gain`, `noise_offset`)."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QCheckBox, QDoubleSpinBox

__all__ = ["NoiseFields"]


def _spin(low: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, 1e9)
    box.setDecimals(4)
    box.setToolTip(tip)
    box.setEnabled(False)
    return box


class NoiseFields:
    """A check box that turns the known noise on, and its three numbers (in the image's
    units), enabled only while it is ticked."""

    def __init__(self) -> None:
        self.known = QCheckBox("noise level known")
        self.known.setToolTip(
            "Tick when the noise is known, e.g. from the camera's calibration: the detail "
            "restore and the output blur then use it instead of reading the noise from the "
            "image, which takes fine texture for noise. The variance is std² + gain x "
            "(intensity - offset), in the layer's units, every channel alike.")
        self.std = _spin(0.0, "The noise's standard deviation (a camera's read noise), in the "
                              "layer's units")
        self.gain = _spin(0.0, "Poisson noise: the variance grows by this much per unit of "
                               "intensity above the offset (the camera's gain in the layer's "
                               "units per photoelectron); 0 for noise of one level")
        self.offset = _spin(-1e9, "The intensity of no signal (the camera's offset)")
        self.known.toggled.connect(self._sync)

    def _sync(self, on: bool) -> None:
        for box in (self.std, self.gain, self.offset):
            box.setEnabled(on)

    def rows(self) -> list[tuple[str, Any]]:
        """(label, widget) rows for a form."""
        return [("", self.known), ("noise std", self.std), ("noise gain", self.gain),
                ("noise offset", self.offset)]

    def values(self) -> dict[str, float]:
        """`iter_train` arguments: none while off."""
        if not self.known.isChecked():
            return {}
        return {"noise_std": self.std.value(), "noise_gain": self.gain.value(),
                "noise_offset": self.offset.value()}

    def check(self) -> None:
        """Raise `ConfigError` for a level the config refuses (ticked with no noise), before a
        training starts."""
        from pydantic import ValidationError

        from napari_sdap.config import TrainingConfig
        from napari_sdap.presets import to_config_error

        try:
            TrainingConfig(**self.values())
        except ValidationError as err:
            raise to_config_error(err) from None
