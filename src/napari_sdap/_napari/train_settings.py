"""The settings form of the Train widget: preset, steps, student, device in view; patch, stride,
network size, batch, seed, validation, precision, the student's target blur, loss, frames, the
whitening of scanner noise, a known noise level and stack planes (2-D or 3-D) under a collapsed
Advanced section."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QVBoxLayout, QWidget

from napari_sdap._napari.controls import (
    StatusLabel,
    advanced_section,
    auto_spin,
    check_box,
    spin_value,
)
from napari_sdap._napari.devices import device_choices, format_bytes
from napari_sdap._napari.noise_fields import NoiseFields
from napari_sdap._napari.planes import PlaneChoice
from napari_sdap.presets import PRESETS, describe_presets

__all__ = ["CONTINUED", "CONTINUE_TIP", "TrainSettings"]

CONTINUED = ("patch_size", "batch_size", "student", "precision", "target_blur", "loss", "frames")
"""The Advanced settings Continue applies where they are set (not `auto`): they change how the
model trains, not its network (preset, width, blocks, stack planes), its data's reading
(stride, whitening) or its seed, which stay the model's own."""
CONTINUE_TIP = ("Train the current model further on the chosen layer, with its own preset, "
                "network, stride and seed; the steps, and the Advanced patch, batch, student, "
                "precision, target blur, loss and frames fields where set, apply")


class TrainSettings(QWidget):
    """Training settings; fields left at `auto`/`preset` take the preset's (or SDAP's) choice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = QComboBox()
        self.preset.addItems(["auto", *PRESETS])
        self.preset.setToolTip(describe_presets())
        self.steps = auto_spin(0, 1_000_000, special="preset", step=100,
                               tip="Blind-spot network steps of this run (Continue adds "
                                   "this many); preset: the preset's (fast: 250, 500 when no "
                                   "student follows). A distilled student trains its own "
                                   "steps after these (fast and paper: 500), whatever this "
                                   "field holds; the progress counts both")
        self.patch = auto_spin(0, 4096, step=8, tip="Square training patch edge in pixels "
                               "(auto: the preset's, at most the image size)")
        self.stride = QComboBox()
        self.stride.addItems(["auto", "1", "2", "3", "4", "5"])
        self.stride.setToolTip("RSG stride. auto measures the noise correlation on the layer: "
                               "1 for white noise, larger for spatially correlated noise. "
                               "Smooth wide-field images with correlated camera noise often "
                               "do better at 3 than the 2 auto picks.")
        self.width_ = auto_spin(3, 1024, 3, special="preset", tip="Network width C")
        self.blocks = auto_spin(0, 32, special="preset", tip="Dilated blocks M per branch")
        self.batch = auto_spin(0, 4096, special="preset", tip="Patches per step")
        self.seed = auto_spin(0, 2**31 - 1, 0, special="", tip="Seed (same seed, same model)")
        self.validation = QDoubleSpinBox()
        self.validation.setRange(0.0, 0.5)
        self.validation.setSingleStep(0.05)
        self.validation.setValue(0.1)
        self.validation.setSpecialValueText("off")
        self.validation.setToolTip("Part of every image (a band of rows) kept out of training to "
                                   "measure a validation loss; used only where the layers are "
                                   "large enough (the band must hold a training patch)")
        self.student = check_box(
            "distil a fast student (white noise)",
            "After the blind-spot network, train a small network that sees "
            "every pixel to reproduce its result: sharper and several times "
            "faster to apply; 'auto' denoising then uses it. Done when the "
            "noise is independent per pixel (stride 1); not for spatially "
            "correlated noise, where it measured worse. It is compared "
            "with the blind-spot network on pixels held out of its "
            "training: one in doubt trains a second round, one clearly "
            "worse is dropped.",
            checked=True)
        self.device = QComboBox()
        self.device.addItems(device_choices())
        self.device.setToolTip("Compute device; auto picks the first GPU, else the CPU")
        self.precision = QComboBox()
        self.precision.addItems(["auto", "float32", "bfloat16"])
        self.precision.setToolTip("Arithmetic of the training steps. auto: bfloat16 where the "
                                  "device computes it natively (GPUs, CPUs with AVX512-BF16 or "
                                  "AMX; about 1.4-1.7x faster on such a CPU, same quality), "
                                  "else float32")
        self.target_blur = QComboBox()
        self.target_blur.addItems(["off", "auto", "0.5", "0.7", "0.9", "1.2"])
        self.target_blur.setToolTip("Gaussian blur (px) of the blind-spot network's result that "
                                    "the student learns, for images with a few photons per "
                                    "pixel. auto: the blur an estimate from the noisy image "
                                    "says lowers the error, else none (measured +0.1 to +1.5 "
                                    "dB at a few photons, -0.35 to +0.1 dB on ordinary "
                                    "microscopy); off (default): none")
        self.loss = QComboBox()
        self.loss.addItems(["auto", "l1", "l2"])
        self.loss.setToolTip("Loss of the blind-spot training. l1: each pixel's median; l2: its "
                             "mean. auto (default): l2 for photon noise (skewed) correlated "
                             "between neighbours on a dark background clipped at 0, as in "
                             "8-bit low-light wide-field frames: faint structure is not zeroed "
                             "and the result stays proportional to the signal; else l1 (l2 "
                             "lost up to 0.65 dB on camera photographs)")
        self.frames = check_box(
            "planes are frames of one view",
            "The layer's planes (along T, else Z) are repeated frames of one "
            "unchanging view, e.g. a burst: the noise behind the output "
            "blur of spatially correlated noise is read from their "
            "differences (wide-field microscopy: about +1 dB). Frames that "
            "differ (motion, bleaching) make the output too smooth.")
        self.whiten = check_box(
            "whiten noise along a scan line",
            "With the stride on auto: noise correlated along one axis only "
            "(a point scanner's fast axis) is whitened along it and trained "
            "at full resolution, the result filtered back (scanner proxies: "
            "+0.4 to +3.2 dB). Off: such noise gets a stride, as any "
            "correlated noise.",
            checked=True)
        self.memory = StatusLabel(lines=1)
        self.planes = PlaneChoice()
        self.noise = NoiseFields()
        self.advanced = advanced_section([
            ("patch size", self.patch), ("stride", self.stride), ("width", self.width_),
            ("blocks", self.blocks), ("batch", self.batch), ("seed", self.seed),
            ("validation", self.validation), ("precision", self.precision),
            ("student target blur", self.target_blur), ("loss", self.loss), ("", self.frames),
            ("", self.whiten),
            *self.noise.rows(), *self.planes.rows()])
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(4)
        for label, w in (("preset", self.preset), ("steps", self.steps), ("", self.student),
                         ("device", self.device)):
            form.addRow(label, w)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addLayout(form)
        box.addWidget(self.memory)
        box.addWidget(self.advanced)
        self._channels, self._pixels = 1, None
        for c in (self.preset, self.device):
            c.currentIndexChanged.connect(self.update_memory)
        for s in (self.patch, self.width_, self.blocks, self.batch):
            s.valueChanged.connect(self.update_memory)
        self.update_memory()

    def values(self) -> dict[str, Any]:
        """Arguments for `TrainJob`: preset, steps, stride, seed, device and config overrides
        (with dims, along and z_context unless each plane is trained on its own)."""
        over = {k: spin_value(w) for k, w in (("patch_size", self.patch), ("width", self.width_),
                                               ("blocks", self.blocks), ("batch_size", self.batch))}
        stride = self.stride.currentText()
        return {"preset": self.preset.currentText(), "steps": spin_value(self.steps),
                "stride": "auto" if stride == "auto" else int(stride),
                "seed": self.seed.value(), "device": self.device.currentText(),
                "validation": self.validation.value(),
                "overrides": {**{k: v for k, v in over.items() if v is not None},
                              **({} if self.student.isChecked() else {"student": False}),
                              **({} if self.precision.currentText() == "auto" else
                                 {"precision": self.precision.currentText()}),
                              **self._target_blur(),
                              **({} if self.loss.currentText() == "auto" else
                                 {"loss": self.loss.currentText()}),
                              **({"frames": True} if self.frames.isChecked() else {}),
                              **({} if self.whiten.isChecked() else {"whiten": False}),
                              **self.noise.values(),
                              **self.planes.values()}}

    def continued(self, model: Any = None) -> dict[str, Any]:
        """Config overrides for Continue: the `CONTINUED` fields that are set and the known
        noise level (the other fields are for new models). The student box ticked for a
        `model` made with `student=False` asks for its student (`auto`, as a new training's
        tick: distilled at stride 1); ticked is otherwise the model's own."""
        over = self.values()["overrides"]
        ticked = model is not None and self.student.isChecked() \
            and model.config.student.student is False
        return {**{k: over[k] for k in CONTINUED if k in over},
                **({"student": "auto"} if ticked else {}), **self.noise.values()}

    def _target_blur(self) -> dict[str, float]:
        """The target blur override (none for off, the config's own)."""
        text = self.target_blur.currentText()
        return {} if text == "off" else {"target_blur": text if text == "auto" else float(text)}

    def update_memory(self, *_: Any, channels: int | None = None,
                      pixels: int | None = None) -> None:
        """Show the estimated training memory next to what the chosen device has free, for
        the layer of `channels` joint channels and `pixels` pixels (kept from the last call)."""
        from napari_sdap.api.devices import auto_preset, free_bytes, training_bytes

        if channels is not None:
            self._channels = channels
        if pixels is not None:
            self._pixels = pixels
        channels = self._channels
        s = self.values()
        dev = s["device"] if s["device"] != "auto" else device_choices()[1]
        name = s["preset"] if s["preset"] != "auto" else auto_preset(dev, self._pixels)
        p = {**PRESETS[name]["network"], **PRESETS[name]["training"], **s["overrides"]}
        need = training_bytes(p["width"], p["blocks"], channels,
                              p["batch_size"] * p["patch_size"] ** 2, half=dev.startswith("cuda"))
        free = free_bytes(dev)
        warn = " - too much: lower batch, patch or width" if free and need > 0.8 * free else ""
        picked = f" (auto: {name})" if s["preset"] == "auto" else ""
        self.memory.info(f"Memory: ~{format_bytes(need)} of {format_bytes(free)} free on {dev}"
                         f"{picked}{warn}")
