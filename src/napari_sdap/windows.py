"""Random windows: where training patches, distillation pairs and noise-curve samples are cut.

One seeded way for all three samplers (`training.patches`, `training.distil`, `infer.sample`):
an image chosen in proportion to its size, a start position that keeps the window inside the
image (aligned to a stride where one is needed), and a random one of the 8 flips / 90-degree
rotations for augmentation. The order of random draws is part of the behaviour: the same seed
gives the same patches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["Dihedral", "pick", "random_dihedral", "random_start", "weights"]


def weights(sizes: Sequence[float]) -> np.ndarray:
    """Probabilities proportional to `sizes` (pixel counts)."""
    w = np.asarray(sizes, dtype=float)
    return w / w.sum()


def pick(rng: np.random.Generator, p: np.ndarray) -> int:
    """A random index drawn with probabilities `p` (see `weights`)."""
    return int(rng.choice(len(p), p=p))


def random_start(rng: np.random.Generator, length: int, edge: int, align: int = 1) -> int:
    """Start of a random window of `edge` pixels inside an axis of `length` (edge <= length),
    rounded down to a multiple of `align`."""
    start = int(rng.integers(0, length - edge + 1))
    return start - start % align


class Dihedral:
    """One of the 8 flips / 90-degree rotations of the last two axes."""

    def __init__(self, turns: int, flip: bool) -> None:
        self.turns, self.flip = turns, flip

    def __call__(self, block: np.ndarray) -> np.ndarray:
        out = np.rot90(block, self.turns, axes=(-2, -1))
        return out[..., ::-1] if self.flip else out


def random_dihedral(rng: np.random.Generator, keep_axes: bool = False) -> Dihedral:
    """A random `Dihedral` (each of the 8 equally likely; `keep_axes`: one of the 4 that keep
    each axis where it is, the flips and the half turn)."""
    turns = 2 * int(rng.integers(2)) if keep_axes else int(rng.integers(4))
    return Dihedral(turns, bool(rng.integers(2)))
