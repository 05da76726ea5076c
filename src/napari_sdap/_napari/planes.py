"""The Train panel's choice for stacks: each plane on its own (2-D) or with its neighbouring
planes (3-D), along Z or T, with how many planes of context (Advanced section)."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QComboBox, QSpinBox

from napari_sdap.errors import InputError

__all__ = ["CHOICES", "PlaneChoice", "check_layers", "check_planes", "model_planes"]

CHOICES: list[tuple[str, int | str]] = [
    ("each plane on its own (2-D)", 2),
    ("with neighbouring planes (3-D)", 3),
    ("decide automatically", "auto"),
]
"""The texts of the "stack planes" control and the `dims` each stands for."""


class PlaneChoice:
    """The three controls: `dims` (2, 3, auto), `along` (Z or T) and `context` (1..4 planes on
    each side). `along` and `context` are enabled only for 3-D or automatic; `along` only when
    the layer has both Z and T (with one of them it follows that one)."""

    def __init__(self) -> None:
        self.dims = QComboBox()
        self.dims.addItems([text for text, _ in CHOICES])
        self.dims.setToolTip(
            "How the planes of a z-stack or time-lapse are denoised: each on its own, or "
            "together with the planes next to it (a 3-D model, which sees the structure the "
            "planes share). 'decide automatically' takes 3-D for stacks of 8 planes or more "
            "whose neighbouring planes share their signal. 3-D models have no detail "
            "restore; for white noise they get a fast student, as 2-D models do.")
        self.along = QComboBox()
        self.along.addItems(["Z", "T"])
        self.along.setToolTip("The axis of the neighbouring planes: Z for z-stacks, T for "
                              "time-lapses")
        self.context = QSpinBox()
        self.context.setRange(1, 4)
        self.context.setToolTip("Neighbouring planes on each side the 3-D model reads")
        self._axes = ""
        self.dims.currentIndexChanged.connect(self._sync)
        self._sync()

    def rows(self) -> list[tuple[str, Any]]:
        """(label, widget) rows for a form."""
        return [("stack planes", self.dims), ("along", self.along),
                ("planes each side", self.context)]

    def chosen(self) -> int | str:
        """2, 3 or "auto"."""
        return CHOICES[max(self.dims.currentIndex(), 0)][1]

    def values(self) -> dict[str, Any]:
        """`iter_train` arguments: none for 2-D (today's default), else dims, along, z_context."""
        dims = self.chosen()
        if dims == 2:
            return {}
        return {"dims": dims, "along": self.along.currentText(),
                "z_context": self.context.value()}

    def set_axes(self, axes: str) -> None:
        """Follow the axes of the chosen layer (`along` is a choice only with both Z and T)."""
        self._axes = axes.strip().upper()
        self._sync()

    def _sync(self, *_: Any) -> None:
        volume = self.chosen() != 2
        present = [a for a in "ZT" if a in self._axes]
        if len(present) == 1:
            self.along.setCurrentText(present[0])
        self.along.setEnabled(volume and len(present) == 2)
        self.context.setEnabled(volume)


def check_planes(name: str, axes: str, shape: tuple[int, ...], values: dict[str, Any]) -> None:
    """Refuse 3-D training of a layer without the axis or with too few planes along it.

    Only the shape is read. "decide automatically" is never refused (it then trains 2-D), and
    the Z step, unless given, is left to training (it may need more planes when the noise of
    neighbouring planes is correlated; training then says how many)."""
    if values.get("dims") != 3:
        return
    along, context, step = values["along"], values["z_context"], values.get("z_step", 1)
    need = 2 * context * step + 1
    fix = values.get("fix", "choose 'each plane on its own (2-D)' under Advanced > stack planes")
    if along not in axes:
        other = "T" if along == "Z" else "Z"
        hint = f" (it has {other}: choose along {other})" if other in axes else ""
        raise InputError(
            f"3-D training needs a {along} axis of at least {need} planes, but layer {name!r} "
            f"(axes {axes}, shape {tuple(shape)}) has none{hint}; set the axes field, or {fix}")
    size = shape[axes.index(along)]
    if size < need:
        apart = f", {step} planes apart," if step > 1 else ""
        raise InputError(
            f"3-D training with {context} plane(s) each side{apart} needs at least {need} "
            f"planes along {along}, but layer {name!r} (axes {axes}, shape {tuple(shape)}) has "
            f"{size}; {fix}" + ("" if "fix" in values else ", or fewer planes each side"))


def model_planes(model: Any) -> dict[str, Any]:
    """The planes `model` reads (to check the layers it continues training on)."""
    n = model.config.network
    return {"dims": n.dims, "along": n.along, "z_context": n.z_context, "z_step": n.z_step,
            "fix": "the model is 3-D: continue it on a stack with enough planes, or press "
                   "Train for a new model"}


def _colour_layout(shape: tuple[int, ...], axes: str, mode: str) -> tuple[int, int]:
    """(channels, channel groups) an image trains with: an RGBA image's alpha is set aside
    (`api.alpha`), so RGBA and RGB layers train one model together."""
    from napari_sdap.api.alpha import rgba_axes
    from napari_sdap.axes import plane_view

    if rgba_axes(shape, axes, mode):
        shape = (*shape[:-1], 3)
    view = plane_view(shape, axes, mode)
    return view.channels, view.n_channel_groups


def check_layers(layer: Any, view: Any, more: list[Any], values: dict[str, Any]) -> None:
    """`check_planes` for the chosen layer (its `plane_view` from the axes field) and the
    further layers ticked to train with it (with their own axes)."""
    from napari_sdap._napari.layers import layer_axes, level0

    check_planes(layer.name, view.axes, view.shape, values)
    mode = values.get("channel_mode") or "auto"
    mine = _colour_layout(tuple(view.shape), view.axes, mode)
    for ly in more:
        if ly is not layer:
            axes, shape = layer_axes(ly), tuple(level0(ly).shape)
            check_planes(ly.name, axes, shape, values)
            # before any question: one model, one channel layout
            if _colour_layout(shape, axes, mode) != mine:
                raise InputError(f"layer {ly.name!r} ({axes} {list(shape)}) has other channels "
                                 f"than {layer.name!r} ({view.axes} {list(view.shape)}); one "
                                 f"model trains on one channel layout: untick it under More "
                                 f"layers")
