"""What the Train panel checks before a training starts: the layer, its axes, the patch size
asked for against its planes, and the other layers ticked to train with it."""

from __future__ import annotations

from typing import Any

from napari_sdap._napari.layers import check_layer, level0
from napari_sdap._napari.planes import check_layers, model_planes
from napari_sdap.errors import ConfigError, InputError

__all__ = ["check_continued_student", "check_training_layers"]


def check_training_layers(layer: Any, axes: str, overrides: dict[str, Any], more: list[Any],
                          model: Any = None) -> str:
    """Refuse what the training would refuse later (or fail on), naming the field to change;
    returns the axes (`axes`, the field's text, cleaned). `overrides`: the panel's settings;
    `more`: the other layers ticked; `model`: the model continued (its planes apply), or None."""
    from napari_sdap.axes import plane_view

    check_layer(layer)
    axes = axes.strip().upper()
    view = plane_view(level0(layer).shape, axes)
    patch = overrides.get("patch_size")
    if patch is not None and patch < 8:  # (the field's lowest value, 0, is auto)
        raise InputError(f"patch size {patch} is below the smallest, 8; set 8 or more, or "
                         f"'auto' (0)")
    side = min(view.height, view.width)
    if patch is not None and patch > side:  # (below 8 px only 'auto' can fit the plane)
        fix = f"a patch of at most {side} or 'auto' (0)" if side >= 8 else "'auto' (0)"
        raise InputError(f"patch size {patch} is larger than the image plane "
                         f"{view.height}x{view.width} of {layer.name!r}; use {fix}")
    check_layers(layer, view, more, model_planes(model) if model else overrides)
    return axes


def check_continued_student(model: Any, overrides: dict[str, Any]) -> None:
    """Refuse, in the panel's words, a Continue with the student unticked (`overrides`, from
    `TrainSettings.continued`) of a model set to denoise with its student (a package exported
    in mode 'student'): the API's refusal named `student=True` and `mode='auto'`, which the
    panel has no field for."""
    if overrides.get("student") is False and model.config.inference.mode == "student":
        raise ConfigError(
            "this model is set to denoise with its student (as a bioimage.io package exported "
            "in mode 'student' is), and Continue with 'distil a fast student' unticked would "
            "drop it; tick 'distil a fast student' to continue it, or press Train for a new "
            "model without a student")
