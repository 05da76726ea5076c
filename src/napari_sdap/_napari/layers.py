"""Reading napari Image layers (axes, level 0 of pyramids) and adding aligned result layers."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from napari_sdap.errors import AxesError, InputError

__all__ = ["check_layer", "current_plane_index", "follow_source", "free_kind", "is_own_result",
           "layer_axes", "level0", "preview_target", "result_name", "show_result", "source_of",
           "training_extent", "transforms"]

_LABELS = {
    "t": "T", "time": "T", "frame": "T", "frames": "T",
    "z": "Z", "depth": "Z", "plane": "Z", "planes": "Z",
    "y": "Y", "row": "Y", "x": "X", "col": "X", "column": "X",
    "c": "C", "ch": "C", "channel": "C", "channels": "C",
    "s": "S", "sample": "S", "samples": "S", "position": "S", "p": "S",
}


def level0(layer: Any) -> Any:
    """The full-resolution array of an Image layer (level 0 of a multiscale pyramid)."""
    return layer.data[0] if layer.multiscale else layer.data


def layer_axes(layer: Any) -> str:
    """Axes string (`YX`, `ZYX`, `YXC`, `TZYX`, ...) for the level-0 data of an Image layer.

    Named `axis_labels` (t, z, y, x, c, ...) are used when all of them are recognised;
    otherwise the last two axes are Y X (Y X C for RGB) and the leading ones Z, T Z, S T Z.
    """
    shape = tuple(level0(layer).shape)
    rgb = bool(layer.rgb)
    spatial = len(shape) - (1 if rgb else 0)
    labels = [str(a).strip().lower() for a in layer.axis_labels]
    letters = [_LABELS.get(a) for a in labels]
    if len(letters) == spatial and all(letters) and len(set(letters)) == spatial:
        axes = "".join(letters)  # type: ignore[arg-type]
        if "Y" in axes and "X" in axes and not (rgb and "C" in axes):
            return axes + ("C" if rgb else "")
    lead = spatial - 2
    if lead < 0:
        raise AxesError(f"layer {layer.name!r} has shape {shape}; SDAP needs at least a 2-D image")
    if lead > 3:
        raise AxesError(f"layer {layer.name!r} has {spatial} dimensions (shape {shape}); type its "
                        f"axes (letters from STCZYX) in the axes field")
    return "STZ"[3 - lead:] + "YX" + ("C" if rgb else "")


def axes_field(layer: Any) -> tuple[str, str | None]:
    """(text for the axes field, None) for `layer` (None: ""), or ("", what to type) where its
    axes cannot be guessed: the panel stays usable and says so."""
    if layer is None:
        return "", None
    try:
        return layer_axes(layer), None
    except AxesError as err:
        return "", str(err)


def result_name(layer: Any, kind: str = "SDAP") -> str:
    """Name of the result layer made from `layer`, e.g. ``cells [SDAP]``."""
    return f"{layer.name} [{kind}]"


def _geometry(layer: Any, rgb: bool) -> dict[str, Any]:
    geo: dict[str, Any] = {"scale": tuple(layer.scale), "translate": tuple(layer.translate),
                           "rgb": rgb}
    geo["units"] = tuple(str(u) for u in layer.units)
    geo["axis_labels"] = tuple(str(a) for a in layer.axis_labels)
    # a rotated, sheared or affine-transformed source: the result lies on it too
    geo["rotate"] = np.asarray(layer.rotate)
    geo["shear"] = np.asarray(layer.shear)
    geo["affine"] = np.asarray(layer.affine.affine_matrix)
    return geo


def follow_source(result: Any, source: Any) -> None:
    """Give `result` the place `source` has now (scale, translate, rotation, shear, affine,
    units, axis labels), where the two have the same dimensions: a result whose source was
    calibrated or moved while it was denoised lay where the source had been (its residual,
    added at the end, on the source)."""
    if result.ndim != source.ndim:
        return
    for key, value in _geometry(source, result.rgb).items():
        if key != "rgb":
            setattr(result, key, value)


def is_own_result(layer: Any) -> bool:
    """A result layer napari-sdap made (denoised, residual): an Image layer whose
    ``metadata["sdap"]`` names its store. Only such a layer is ever replaced by a new result."""
    return layer.__class__.__name__ == "Image" and \
        bool((layer.metadata.get("sdap") or {}).get("store"))


def free_kind(viewer: Any, source: Any, kind: str = "SDAP") -> str:
    """`kind`, else `kind 2`, `kind 3`, ...: the first whose `<source> [kind]` layer is missing
    or napari-sdap's own result of `source`; a user's layer of that name (Labels, ...) is never
    replaced, nor a result made from another layer (one removed or renamed since, whose name
    `source` now has: the result of another image, kept by the user)."""
    base, n = kind, 1
    while result_name(source, kind) in viewer.layers \
            and not _replaceable(viewer.layers[result_name(source, kind)], source):
        n += 1
        kind = f"{base} {n}"
    return kind


def _replaceable(layer: Any, source: Any) -> bool:
    """Whether a new result of `source` may replace `layer`: napari-sdap's own result, not
    made from another layer (unknown: an own result this process did not make)."""
    if not is_own_result(layer):
        return False
    found = _SOURCES.get(id(layer))
    return found is None or found[0]() is not layer or found[1]() is source


_SOURCES: dict[int, tuple[weakref.ref, weakref.ref]] = {}
"""id of a result layer -> (the result, the layer it was made from), both weakly held."""


def _made_from(result: Any, source: Any) -> Any:
    """Note that `result` was made from `source` (`source_of`); returns `result`."""
    for key in [k for k, (r, _) in _SOURCES.items() if r() is None]:
        del _SOURCES[key]  # results gone since
    _SOURCES[id(result)] = (weakref.ref(result), weakref.ref(source))
    return result


def source_of(result: Any) -> Any:
    """The layer `result` was denoised from, while both exist (whatever they are named now);
    None when unknown."""
    found = _SOURCES.get(id(result))
    return found[1]() if found is not None and found[0]() is result else None


def show_result(viewer: Any, source: Any, data: Any, *, kind: str = "SDAP",
                metadata: dict[str, Any] | None = None, contrast_limits: Any = None,
                rgb: bool | None = None, colormap: str | None = None) -> Any:
    """Add `data` as the `<source> [kind]` layer, or replace the data of that layer if napari-sdap
    made it (else the name takes a number: `free_kind`).

    The result keeps the source's scale, translate, rotation, shear, affine transform, units and
    axis labels, so it overlays exactly.
    """
    name = result_name(source, free_kind(viewer, source, kind))
    rgb = source.rgb if rgb is None else rgb
    meta = {**dict(source.metadata), **(metadata or {})}
    limits = contrast_limits if contrast_limits is not None else tuple(source.contrast_limits)
    layer = viewer.layers[name] if name in viewer.layers else None  # (then napari-sdap's own)
    if layer is not None and layer.rgb == rgb and layer.ndim == source.ndim:
        layer.data = data
        layer.metadata = meta
        layer.contrast_limits = limits
        follow_source(layer, source)  # the source may have moved since
        return _made_from(layer, source)
    if layer is not None:
        viewer.layers.remove(layer)
    extra = {} if rgb else {"colormap": colormap or source.colormap.name}
    added = viewer.add_image(data, name=name, metadata=meta, contrast_limits=limits,
                             blending=source.blending, **_geometry(source, rgb), **extra)
    return _made_from(added, source)


def current_plane_index(viewer: Any, layer: Any, axes: str, crop: int = 512) -> tuple[Any, str]:
    """Index into level 0 selecting the plane shown now (Y, X and C kept), cropped around the view.

    Returns ``(index, sub_axes)``; at most `crop` x `crop` pixels are selected, centred on the
    camera when it looks at the layer.
    """
    data = level0(layer)
    shape = tuple(data.shape)
    if len(axes) != len(shape):
        raise AxesError(f"axes {axes!r} has {len(axes)} letters but layer {layer.name!r} has "
                        f"{len(shape)} dimensions; fix the axes field")
    try:
        pos = np.asarray(layer.world_to_data(viewer.dims.point), dtype=float)
    except Exception:  # pragma: no cover - odd transforms: fall back to the first plane
        pos = np.zeros(layer.ndim)
    centre = _view_centre(viewer, layer, shape, axes)
    index: list[Any] = []
    spatial = [i for i, a in enumerate(axes) if not (a == "C" and layer.rgb)]
    for i, a in enumerate(axes):
        n = shape[i]
        if a in "YX":
            half = min(n, crop) // 2
            c = int(np.clip(centre.get(a, n // 2), half, n - (min(n, crop) - half)))
            index.append(slice(c - half, c - half + min(n, crop)))
        elif a == "C":
            index.append(slice(None))
        else:
            k = spatial.index(i)
            index.append(int(np.clip(np.round(pos[k]) if k < len(pos) else 0, 0, n - 1)))
    sub_axes = "".join(a for a, ix in zip(axes, index, strict=True) if isinstance(ix, slice))
    return tuple(index), sub_axes


def _view_centre(viewer: Any, layer: Any, shape: tuple[int, ...], axes: str) -> dict[str, float]:
    try:
        point = list(viewer.dims.point)
        displayed = list(viewer.dims.displayed)
        scene = getattr(viewer, "scene", None)  # napari >= 0.9; viewer.camera before
        camera = scene.camera if scene is not None else viewer.camera
        cam = list(camera.center)[-len(displayed):]
        for d, c in zip(displayed, cam, strict=True):
            point[d] = c
        pos = layer.world_to_data(point)
        spatial = [a for a in axes if not (a == "C" and layer.rgb)]
        return {a: float(pos[spatial.index(a)]) for a in "YX"}
    except Exception:
        return {a: shape[axes.index(a)] / 2 for a in "YX"}


def check_layer(layer: Any) -> None:
    """Refuse layers SDAP cannot read (not an Image layer, or no data)."""
    if layer is None:
        raise InputError("no image layer selected; open an image or a sample (File > Open Sample)")
    if layer.__class__.__name__ != "Image":
        raise InputError(f"layer {layer.name!r} is a {layer.__class__.__name__} layer; choose an "
                         f"Image layer")


def preview_target(viewer: Any, layer: Any, axes: str) -> Any:
    """What the training preview should denoise: the plane on screen, around the view centre."""
    from napari_sdap._napari.workers import PreviewTarget

    index, sub = current_plane_index(viewer, layer, axes)
    channel = None
    if "C" in sub and not layer.rgb:  # independent channels: show the one on screen
        c = axes.index("C")
        step = viewer.dims.current_step[len(viewer.dims.current_step) - layer.ndim + c]
        channel = int(min(step, level0(layer).shape[c] - 1))
    return PreviewTarget(index, sub, channel, axes)


def transforms(layer: Any) -> list[str]:
    """Which of a rotation, a shear and an affine transform `layer` has (not the identity)."""
    n = len(layer.scale)
    return [name for name, off in (
        ("rotation", not np.allclose(layer.rotate, np.eye(n))),
        ("shear", not np.allclose(layer.shear, 0)),
        ("affine transform", not np.allclose(layer.affine.affine_matrix, np.eye(n + 1))))
        if off]


def _rgba(shape: tuple[int, ...], axes: str, channel_mode: str) -> bool:
    """Whether the API trains an image of `shape` and `axes` as RGBA (False for axes that do
    not fit it, while the field is being edited)."""
    from napari_sdap.api.alpha import rgba_axes

    try:
        return rgba_axes(shape, axes or None, channel_mode) is not None
    except ValueError:  # (InputError, AxesError)
        return False


def training_extent(layer: Any, axes: str, more: list[Any], channel_mode: str
                    ) -> tuple[int, int]:
    """(channels that go through the network together, training pixels) for `layer` with the
    axes field's `axes` and the further ticked layers with their own. The pixels are those
    training counts (`api.devices.training_pixels`: planes x height x width, so joint channels
    count once). Where the axes do not fit a layer (the field is being edited), its values are
    counted, channels of RGB once."""
    import math

    from napari_sdap.api.devices import training_pixels
    from napari_sdap.axes import plane_view

    channels = level0(layer).shape[-1] if layer.rgb else 1
    total = 0
    for ly in [layer, *(ly for ly in more if ly is not layer)]:
        shape = tuple(level0(ly).shape)
        try:
            view = plane_view(shape, axes if ly is layer else layer_axes(ly), channel_mode)
        except InputError:
            total += math.prod(shape[:-1] if ly.rgb else shape)
            continue
        total += training_pixels([view])
        if ly is layer and view.joint and view.channel_pos is not None:
            channels = shape[view.channel_pos]
    if channels == 4 and _rgba(tuple(level0(layer).shape), axes, channel_mode):
        channels = 3  # RGBA: alpha passes through, the network sees the colours (`api.alpha`)
    return int(channels), total
