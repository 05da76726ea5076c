"""Progress records of the denoising loop and the minimum plane size of each mode."""

from __future__ import annotations

from dataclasses import dataclass

from napari_sdap.axes import PlaneView, channels_hint
from napari_sdap.errors import InputError
from napari_sdap.infer.tiling import alignment

__all__ = ["DenoiseStep", "check_min_size", "min_size"]


@dataclass(frozen=True)
class DenoiseStep:
    """Progress of the denoising loop (one record per batch of tiles)."""

    done: int
    """Work units (tiles) finished."""
    total: int
    mpix_per_s: float
    """Throughput so far, in megapixels of output per second."""
    eta_s: float
    tile: int = 0
    """Tile edge in pixels (without halo) in use."""
    warning: str | None = None
    """Set when something changed on the way, e.g. the tile was halved after running out of
    device memory."""


def min_size(mode: str, pd_stride: int) -> int:
    """Smallest image side a mode accepts (each pixel-shuffle sub-image needs 4 pixels)."""
    return 4 * alignment(mode, pd_stride)


def check_min_size(view: PlaneView, mode: str, pd_stride: int) -> None:
    """Raise `InputError` when the image plane is too small for `mode`."""
    need = min_size(mode, pd_stride)
    if min(view.height, view.width) < need:
        hint = " or mode='bsn' (needs 4)" if need > 4 else ""
        raise InputError(
            f"image plane {view.height}x{view.width} is smaller than the {need}x{need} minimum of "
            f"mode {mode!r}; pad or enlarge the image{hint}"
            + channels_hint(view.axes, view.shape))
