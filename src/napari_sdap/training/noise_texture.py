"""Weak noise over texture, told apart from correlated noise (`training.noise`).

Where no quarter of the blocks is flat next to the noise (textured photographs, fine filaments
at high photon counts), the texture reads as correlated noise, and a stride above 1 costs the
resolution that such images need most (Set12 04 with white noise of std 5: 3.2 dB below the
noisy input). Correlated noise reads the same in the flattest sixteenth of the blocks as in the
quarter, texture does not: the noise counts as white when that sixteenth (`FLATTEST`) reads
white at lag 1 (`texture_read`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["FLATTEST", "flattened", "reads_white", "texture_read"]

FLATTEST = 16
"""The flattest 1 / FLATTEST of the blocks (at least FLATTEST blocks) give the second reading
of lag 1 (`texture_read`). Measured (docs/benchmarks.md, "Weak noise over texture"): noise
correlated by a box filter, a camera pipeline, FMD wide-field optics, a detector's bandwidth
reads 0.00-0.06 lower there (0.37-0.67 at lag 1); white noise under texture 0.04-0.29 lower."""
_ROUNDING = 1.0
"""Residual variance (grey levels squared) below which an integer image's flattest blocks hold
rounding, not noise (`flattened`)."""
_SANE = -0.15
"""A lag-1 reading of the flattest blocks below this is no noise correlation but a fit gone
wrong (PolyU photographs with weak JPEG noise read down to -1.4): it is not used."""


def flattened(plane: np.ndarray, flattest: np.ndarray) -> bool:
    """Whether the flattest sixteenth of an integer-valued plane's blocks (their residual
    variances `flattest`) holds no noise beyond rounding: a median std below one grey level.
    JPEG compression flattens a photograph's smooth areas so (a PolyU crop: 0.15 grey levels
    squared against 27 or more for white noise of std 5), and their lag 1 then reads
    rounding, not noise."""
    quiet = float(np.median(flattest)) < _ROUNDING
    return quiet and bool(np.all(plane == np.round(plane)))


def reads_white(flattest: Sequence[float] | None, white: float) -> bool:
    """Whether the flattest sixteenth of the blocks (`flattest`: lag 1 along X and Y) reads
    white: below `white` (`training.noise.WHITE_THRESHOLD`), and not below `_SANE`."""
    return flattest is not None and max(flattest) < white and min(flattest) >= _SANE


def texture_read(flattest: Sequence[float] | None, stride: int, white: float) -> bool:
    """Whether a stride above 1 was chosen from texture, not noise: the flattest sixteenth of
    the blocks reads white (`reads_white`)."""
    return stride > 1 and reads_white(flattest, white)
