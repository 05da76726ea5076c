"""The training preview's layer: showing it on the previewed plane, and hiding it.

The preview layer is marked as napari-sdap's own (``metadata["sdap"]["preview"]``) and the
Train panel holds it by object: a user's layer that happens to be named ``<src> [SDAP preview]``
(an Image, a Labels layer, ...) is never overwritten, removed or hidden; the preview then takes
a free name (``<src> [SDAP preview 2]``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_sdap._napari.layers import result_name, transforms

__all__ = ["hide_preview", "is_own_preview", "keeping_selection", "show_preview"]

_KIND = "SDAP preview"


def is_own_preview(layer: Any) -> bool:
    """A training preview napari-sdap made: an Image layer whose ``metadata["sdap"]`` says so."""
    return layer.__class__.__name__ == "Image" and \
        bool((layer.metadata.get("sdap") or {}).get("preview"))


def _free_name(viewer: Any, source: Any) -> str:
    """`<source> [SDAP preview]`, else `... [SDAP preview 2]`, ...: the first name that is free
    or napari-sdap's own preview."""
    kind, n = _KIND, 1
    while result_name(source, kind) in viewer.layers \
            and not is_own_preview(viewer.layers[result_name(source, kind)]):
        n += 1
        kind = f"{_KIND} {n}"
    return result_name(source, kind)


def _crop_affine(layer: Any, starts: list[int]) -> np.ndarray:
    """The data-to-world matrix of a crop of `layer` starting at data index `starts`."""
    n = len(starts)
    origin = np.asarray(layer.data_to_world(starts), float)
    matrix = np.eye(n + 1)
    for i in range(n):
        step = list(starts)
        step[i] += 1
        matrix[:n, i] = np.asarray(layer.data_to_world(step), float) - origin
    matrix[:n, n] = origin
    return matrix


def show_preview(viewer: Any, source: Any, data: np.ndarray, target: Any,
                 layer: Any = None) -> Any:
    """Show the preview (its Y and X in the layer's order, and C last for RGB) of `source` on
    the plane it previews.

    `layer` is the preview shown before (None: none yet); it is updated while it is still in the
    viewer. The preview layer has the source's dimensions, one plane deep on every axis but Y and
    X, and sits on the previewed plane (and channel), so other planes show the source alone.
    Adding it leaves the layer selection as it was. Returns the preview layer.
    """
    axes = target.axes if target.channel is None else target.axes.replace("C", "")
    spatial = [a for a in target.full_axes if not (a == "C" and source.rgb)]
    scale, translate, starts = [], [], []
    for k, a in enumerate(spatial):
        ix = target.index[target.full_axes.index(a)]
        if a == "C":
            ix = target.channel or 0
        start = (ix.start or 0) if isinstance(ix, slice) else int(ix)
        starts.append(start)
        scale.append(source.scale[k])
        translate.append(source.translate[k] + start * source.scale[k])
    # (an identity affine unless the source has transforms: a preview reused from a run on the
    # source when it was rotated kept that run's affine, and lay off the source once unrotated)
    geometry: dict[str, Any] = {"scale": scale, "translate": translate,
                                "units": tuple(str(u) for u in source.units),
                                "axis_labels": tuple(str(a) for a in source.axis_labels),
                                "affine": np.eye(len(spatial) + 1)}
    if transforms(source):  # rotated, sheared or affine: the crop's place through all of it
        geometry.update(scale=[1.0] * len(spatial), translate=[0.0] * len(spatial),
                        affine=_crop_affine(source, starts))
    # the preview's axes are the layer's own, in its order (X before Y where its data has them
    # so): one plane deep on all but Y and X (and RGB's C, last)
    sizes = dict(zip(axes, data.shape, strict=True))
    data = data.reshape([sizes[a] if a in "YX" else 1 for a in spatial]
                        + ([sizes["C"]] if source.rgb else []))
    if layer is None or layer not in viewer.layers:  # an earlier run's own preview is reused
        name = _free_name(viewer, source)
        layer = viewer.layers[name] if name in viewer.layers else None
    if layer is not None and layer.ndim == len(spatial) and layer.rgb == source.rgb:
        layer.data = data
        for key, value in geometry.items():
            setattr(layer, key, value)
        layer.visible = True
        return layer
    if layer is not None:  # (napari-sdap's own preview, of other dimensions)
        viewer.layers.remove(layer)
    selected, active = set(viewer.layers.selection), viewer.layers.selection.active
    extra = {} if source.rgb else {"colormap": source.colormap.name}
    _KEEPING.add(id(viewer))
    try:
        layer = viewer.add_image(data, name=_free_name(viewer, source), rgb=source.rgb,
                                 metadata={"sdap": {"preview": True}},
                                 contrast_limits=tuple(source.contrast_limits), **geometry,
                                 **extra)
        viewer.layers.selection.clear()
        viewer.layers.selection.update(selected)
        viewer.layers.selection.active = active
    finally:
        _KEEPING.discard(id(viewer))
    return layer


_KEEPING: set[int] = set()
"""ids of the viewers whose layer selection is being put back after a preview was added: the
panels' layer pickers do not follow it (`keeping_selection`)."""


def keeping_selection(viewer: Any) -> bool:
    """Whether `viewer`'s selection is only being put back as it was after a preview was
    added. The active layer set back read as the user selecting it, so the panels' pickers,
    which follow the selection, left the layer chosen in them for the layer list's active one
    (train 'a' while 'b' is selected in the layer list: after the first preview both panels
    showed 'b', and Denoise or Continue ran on it)."""
    return id(viewer) in _KEEPING


def hide_preview(viewer: Any, layer: Any) -> None:
    """Hide the training preview `layer` (it would cover the input), if still in the viewer."""
    if layer is not None and layer in viewer.layers:
        layer.visible = False
