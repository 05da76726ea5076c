"""Whatever the user passes, turned into one checked image in one pass.

`prepare` takes a numpy, dask or zarr array, an `ImageSource` or a path (opened lazily), with
axes or none, and returns a `Prepared` image: the array the network reads (colour channels only
for RGBA, see `api.alpha`), its `PlaneView`, the files its pixels come from, and whether it was
opened here (then `close()` releases it). Every front end reaches the engine through it, so a
bad image gets the same error from the API, the CLI and napari.

Numpy arrays are checked for NaN/Inf here; lazy arrays are checked region by region as they are
read, so they are never loaded whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.api.alpha import rgba_axes, warn_noisy_alpha, without_alpha
from napari_sdap.api.output_array import check_output
from napari_sdap.axes import (
    PlaneView,
    axes_from_names,
    channels_hint,
    default_axes,
    plane_view,
)
from napari_sdap.errors import AxesError, InputError
from napari_sdap.io.axes_view import AxesView
from napari_sdap.io.locate import array_paths
from napari_sdap.io.plane_range import PlaneRange
from napari_sdap.io.readers import (
    IMAGE_SUFFIXES,
    ImageSource,
    image_name,
    image_suffix,
    in_zarr_store,
    open_image,
    series_count,
)
from napari_sdap.values import check_dtype, check_finite, unmasked

__all__ = ["IMAGE_SUFFIXES", "AxesView", "ImageSource", "PlaneRange", "Prepared", "check_fits",
           "check_output", "image_name", "image_suffix", "in_zarr_store", "open_image", "prepare",
           "prepare_all", "prepare_for", "series_count", "tensor_values"]


@dataclass
class Prepared:
    """One checked image (see the module docstring)."""

    array: Any
    """What the network reads: the image, without its alpha channel when `rgba`."""
    view: PlaneView
    full: Any
    """The image as given (with its alpha channel when `rgba`)."""
    rgba: str | None = None
    """Axes of an RGBA image whose alpha passes through, else None."""
    source: ImageSource | None = None
    owned: bool = False
    """Whether `source` was opened here from a path (`close()` closes it)."""
    inputs: list[Path] = field(default_factory=list)
    """Files the pixels come from (an output must never be written onto them)."""

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of a result: the image's own shape (alpha included)."""
        return tuple(int(n) for n in self.full.shape)

    @property
    def axes(self) -> str:
        """The resolved axes letters."""
        return self.view.axes

    def close(self) -> None:
        """Close the file this image was opened from, when it was opened here."""
        if self.owned and self.source is not None:
            self.source.close()

    def __enter__(self) -> Prepared:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def tensor_values(image: Any) -> Any:
    """A torch tensor's values as a numpy array (copied to the CPU); anything else as it is."""
    if type(image).__module__.split(".")[0] != "torch":
        return image
    try:
        t = image.detach()
        t = t.to_dense() if str(t.layout) != "torch.strided" else t  # sparse layouts
        t = t.cpu()
        return (t.float() if str(t.dtype) == "torch.bfloat16" else t).numpy()
    except (RuntimeError, TypeError, NotImplementedError, ValueError) as err:
        raise InputError(f"the torch tensor's values cannot be read ({type(err).__name__}: "
                         f"{err}); give a tensor with data on a device (e.g. .cpu()), or a "
                         f"numpy array") from None


def _check_array(image: Any) -> Any:
    image = unmasked(tensor_values(image))  # (a masked array: refused where a pixel is masked)
    if isinstance(image, (list, tuple)):
        raise InputError("got a list where one image was expected; stack it with np.stack or "
                         "pass the images separately")
    if not hasattr(image, "shape") or not hasattr(image, "dtype"):
        image = np.asarray(image) if isinstance(image, (int, float)) else image
        if callable(getattr(image, "array_keys", None)):  # a zarr group: name its arrays
            names = sorted(image.array_keys())
            raise InputError(f"the image is a zarr group (holding "
                             f"{', '.join(names) or 'no arrays'}), not one image; give one of "
                             f"its arrays, e.g. group[{(names or ['raw'])[0]!r}]")
        if not hasattr(image, "shape") or not hasattr(image, "dtype"):  # (a pandas DataFrame
            # has a shape but no dtype: a raw AttributeError)
            convert = hasattr(image, "__array__") or hasattr(image, "__array_interface__")
            raise InputError(f"image must be an array (numpy, dask or zarr), an ImageSource or "
                             f"a path, got {type(image).__name__}"
                             + ("; convert it first with np.asarray(image) (a PIL image, a "
                                "pandas table)" if convert else ""))
    check_dtype(image.dtype)
    shape = tuple(image.shape)
    if not all(isinstance(s, (int, np.integer)) for s in shape):
        raise InputError(f"image shape {shape} has unknown sizes (a dask array after boolean "
                         f"indexing?); call image.compute_chunk_sizes() first")
    if 0 in shape:
        raise InputError(f"image is empty (shape {shape}); give a non-empty image")
    if len(shape) < 2:
        raise InputError(f"image must have at least 2 dimensions (Y, X), got shape {shape}")
    return image


def _channel_mode(mode: str, shape: tuple[int, ...], axes: str | None, channels: int,
                  groups: int) -> str:
    """`auto` resolved by the model that will denoise the image: `joint` for a C axis before Y
    and X holding as many channels as the model sees together (`channels` > 1: a colour model
    given its picture stored planar), `independent` for a last C axis holding as many channels
    as the model denoises one at a time (`groups` > 1: a model trained on CYX given YXC). (A
    planar RGB TIFF is not taken for a colour image by itself: tifffile wrote every 3-channel
    stack so by default.)"""
    if mode != "auto" or not isinstance(axes, str | None):
        return mode  # axes that are not a string are refused with the plane view
    resolved = default_axes(shape) if axes is None else axes.upper()
    if len(resolved) != len(shape) or "C" not in resolved:
        return mode
    n = shape[resolved.index("C")]
    if resolved[-1] != "C":
        return "joint" if 1 < channels == n else mode
    return "independent" if channels == 1 and 1 < groups == n else mode


def prepare(image: Any, axes: str | None = None, channel_mode: str = "auto", *,
            series: int | None = None, channels: int = 1, groups: int = 1) -> Prepared:
    """Check `image` (array, `ImageSource` or path) once and build its plane view.

    A path is opened here (lazily; `series` picks one image series of a multi-series file) and
    closed by `Prepared.close()`; an `ImageSource` stays the caller's. `axes` None takes the
    file's axes, or guesses them for 2-D/3-D arrays. `channels` / `groups`: how many channels
    the model that will denoise the image sees together, and denoises one at a time (1 and 1
    for training or a grey model).
    """
    source, owned = None, False
    if isinstance(image, (str, os.PathLike)):
        source, owned = open_image(image, axes, series=series), True
    elif isinstance(image, ImageSource):
        source = image
    try:
        full = _check_array(image if source is None else
                            source.array if source.reader is None else source.reader)
        if source is not None and axes is None:
            axes = source.axes
        elif axes is None and isinstance(getattr(image, "dims", None), tuple):
            axes = axes_from_names(image.dims)  # an xarray DataArray names its dimensions
        channel_mode = _channel_mode(channel_mode, tuple(full.shape), axes, channels, groups)
        rgba = rgba_axes(full.shape, axes, channel_mode)  # alpha is a mask, not a signal
        array = without_alpha(full) if rgba else full
        if rgba:
            warn_noisy_alpha(full, rgba)
        view = plane_view(array.shape, axes, channel_mode)
        if isinstance(array, np.ndarray):
            check_finite(array)
        inputs = array_paths(source if source is not None else full)
    except BaseException:
        if owned and source is not None:
            source.close()
        raise
    return Prepared(array, view, full, rgba, source, owned, inputs)


def prepare_for(model: Any, image: Any, axes: str | None = None, *,
                series: int | None = None) -> Prepared:
    """`prepare` for `model` (an `SDAPModel`): its channel mode, and the channels it sees
    together and one at a time, which decide how an image of another layout is read (one
    rule for denoising, the quality check and the bioimage.io export)."""
    norm = model.normalization
    return prepare(image, axes, model.config.channel_mode, series=series,
                   channels=model.config.network.in_channels,
                   groups=len(norm.low) if norm is not None else 1)


def prepare_all(images: Any, axes: str | Sequence[str | None] | None,
                channel_mode: str = "auto", model: Any = None) -> list[Prepared]:
    """One image or a sequence of images -> checked images with the same channel layout.

    `axes` is one axes string (or None) for every image, or a list with one per image: the
    network works on planes, so a YX image, a ZYX stack and a TYX series train one model as
    long as their channels agree. `model` (an `SDAPModel` trained further, or None): its
    channels decide how `channel_mode="auto"` reads a C axis, as for denoising (`prepare_for`).
    Close the results when done (paths are opened here).
    """
    norm = getattr(model, "normalization", None)
    channels = model.config.network.in_channels if model is not None else 1
    groups = len(norm.low) if norm is not None else 1
    items: Sequence[Any] = images if isinstance(images, (list, tuple)) else [images]
    if not items:
        raise InputError("no image given; pass at least one image")
    each = list(axes) if isinstance(axes, (list, tuple)) else [axes] * len(items)
    if len(each) != len(items):
        raise AxesError(f"got {len(each)} axes strings for {len(items)} image(s); give one "
                        f"axes string per image, or one string (or None) for all")
    done: list[Prepared] = []
    try:
        for im, ax in zip(items, each, strict=True):
            done.append(prepare(im, ax, channel_mode, channels=channels, groups=groups))
        first = done[0].view
        for p in done[1:]:
            v = p.view
            if (v.channels, v.n_channel_groups) != (first.channels, first.n_channel_groups):
                raise InputError(
                    f"all training images need the same channels: {first.axes} {first.shape} "
                    f"vs {v.axes} {v.shape}; train one model per channel layout")
    except BaseException:
        for p in done:
            p.close()
        raise
    return done


_ALPHA = " without its alpha channel, which is not denoised"
def _planes(axes: str) -> str:
    """The axes hint for an image whose C axis may hold the planes of a stack (a TIFF of 2-4
    pages without metadata is stored as channels): that axis called Z, where Z is free (a
    hyperstack's TZCYX has its Z: `ZYX` there was an axes string of another length). Not for
    a C axis after Y and X: the samples of a colour picture (a JPEG, an RGB layer), never pages,
    whose refusal told the user to type `YXZ` "where its C axis holds the planes of a stack"."""
    if "C" not in axes or "Z" in axes or axes.index("C") > max(axes.index("Y"), axes.index("X")):
        return ""
    planes = axes.replace("C", "Z")
    return (f", or, where its C axis holds the planes of a stack (a TIFF of 2-4 pages without "
            f"metadata is stored as channels), give the axes: axes={planes!r} (--axes {planes})")


def _planar(view: PlaneView, channels: int, kind: str = "a colour image stored planar") -> str:
    """The axes hint for an image without a C axis whose other axis holds `channels` planes
    (`kind`: a colour picture stored planar, 3 x Y x X, read as a stack): call that axis C."""
    letter = next((a for a, n in zip(view.axes, view.shape, strict=True)
                   if a not in "YX" and n == channels > 1), None)
    if letter is None:
        return ""
    axes = view.axes.replace(letter, "C")
    return (f", or, where its {letter} axis holds the {channels} channels ({kind}), give the "
            f"axes: axes={axes!r} (--axes {axes})")


def check_fits(model: Any, view: PlaneView, alpha: bool = False) -> None:
    """Refuse an image whose channels differ from those `model` (an `SDAPModel`) was trained on
    (`alpha`: the image's alpha channel was set aside, and the messages say so)."""
    if model.normalization is None:
        raise InputError("this model is untrained (no normalisation yet); train it first "
                         "with napari_sdap.train(image, model=model)")
    channels = model.config.network.in_channels
    if view.channels != channels:
        c = view.axes.find("C")
        gives = (f"has {view.shape[c]} channels, each denoised on its own" if c >= 0
                 and not view.joint else f"gives {view.channels}")
        raise InputError(
            f"the model takes {channels} joint channel(s) but the image ({view.axes}, shape "
            f"{view.shape}{_ALPHA if alpha else ''}) {gives}; use a model trained on images "
            f"with the same channels"
            + (_planes(view.axes) if "C" in view.axes else _planar(view, channels)
               or _trailing(view, channels)))
    groups = len(model.normalization.low)
    if view.n_channel_groups != groups:
        raise InputError(
            f"the model was trained on {groups} independent channel(s) but the image "
            f"({view.axes}, shape {view.shape}{_ALPHA if alpha else ''}) has "
            f"{view.n_channel_groups}; use a model trained on the same channels"
            + (_planes(view.axes) if "C" in view.axes else  # (2 x Y x X read as planes: the
               # Denoise panel's guess, ZYX, for a layer of channels added without channel_axis)
               _planar(view, groups, "channels stacked without axis names")
               or _trailing(view, groups)))


def _trailing(view: PlaneView, channels: int) -> str:
    """The axes hint for a 3-D array whose last axis holds the model's `channels` (2 or 4: an
    (H, W, 2) array from a reader is guessed Z, Y, X), named by `channels_hint`; '' else."""
    return channels_hint(view.axes, view.shape) if view.shape[-1] == channels > 1 else ""
