"""The stride a small image allows: a few blocks of it do not tell correlated noise from texture,
and a large stride leaves sub-images too small to train on (`training.noise`)."""

from __future__ import annotations

from collections.abc import Sequence

from napari_sdap.axes import PlaneView

__all__ = ["MIN_FLAT_BLOCKS", "MIN_SUB_IMAGE", "small_image_stride"]

MIN_FLAT_BLOCKS = 16
"""Flat blocks (the flattest quarter's, over the planes read) below which a correlation is not
taken for correlated noise: a few blocks of a small image hold its texture (a 48 x 48 crop of a
photograph read 0.5-0.7 at lag 1 and trained at stride 4, 7.7 dB below its noisy input), while
a white-noise model of correlated noise only keeps part of the noise."""
MIN_SUB_IMAGE = 24
"""Pixels a sub-image keeps per side at least: the stride is capped at the plane's shorter
side over this (a 48 x 48 plane at stride 4 left 12 x 12 sub-images, and a network that
shifted the mean by 73 grey levels)."""


def small_image_stride(stride: int, blocks: int, views: Sequence[PlaneView]
                       ) -> tuple[int, list[str]]:
    """`stride` (read from `blocks` flat blocks of images of these `views`) as a small image
    allows it, and the notes that say why it changed."""
    notes = []
    if stride > 1 and blocks < MIN_FLAT_BLOCKS:
        stride = 1
        notes.append(f"only {blocks} flat blocks to read the noise from (a small image): "
                     f"its correlation may be the image's texture, so white noise is assumed "
                     f"(stride 1); give stride= if the noise is known to be correlated")
    shortest = min(min(view.height, view.width) for view in views)
    if stride > max(1, shortest // MIN_SUB_IMAGE):
        stride = max(1, shortest // MIN_SUB_IMAGE)
        notes.append(f"stride {stride}: the image's shorter side ({shortest} px) leaves "
                     f"sub-images too small for more")
    return stride, notes
