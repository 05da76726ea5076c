"""Random training patches from numpy, dask or zarr images, read one region at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from napari_sdap.axes import PlaneView
from napari_sdap.chunk_cache import whole_cached
from napari_sdap.model.normalize import Normalization
from napari_sdap.values import check_finite
from napari_sdap.windows import pick, random_dihedral, random_start, weights

__all__ = ["PatchSampler"]


class PatchSampler:
    """Draws normalised, optionally dihedrally augmented (B, C, P, P) float32 batches.

    Each patch comes from a random source (weighted by its pixel count), a random plane and a
    random position; only that region of the array is read. `rows`: one ``(start, stop)`` row
    range per source that patches stay inside (default: every row).
    """

    def __init__(self, sources: Sequence[tuple[Any, PlaneView]], norm: Normalization,
                 patch_size: int, seed: int = 0, augment: bool = True,
                 rows: Sequence[tuple[int, int]] | None = None) -> None:
        self.sources = [(whole_cached(a, patch_size), v) for a, v in sources]
        self.rows = list(rows) if rows is not None else [(0, v.height) for _, v in self.sources]
        self.norm = norm
        self.patch = patch_size
        self.augment = augment
        self.rng = np.random.default_rng(seed)
        self.weights = weights([v.n_planes * v.height * v.width for _, v in self.sources])
        self.channels = self.sources[0][1].channels

    def _one(self) -> np.ndarray:
        rng, p = self.rng, self.patch
        k = pick(rng, self.weights)
        array, view = self.sources[k]
        y0, y1 = self.rows[k]
        n = int(rng.integers(view.n_planes))
        y = y0 + random_start(rng, y1 - y0, p)
        x = random_start(rng, view.width, p)
        block = view.read(array, n, slice(y, y + p), slice(x, x + p))
        check_finite(block, "a training patch of the image" if len(self.sources) == 1
                     else f"a training patch of training image {k + 1} of {len(self.sources)}")
        block = self.norm.forward(block, view.channel_group(n))
        return random_dihedral(rng)(block) if self.augment else block

    def sample(self, batch: int) -> np.ndarray:
        """One batch of patches, shape (batch, C, P, P)."""
        return np.ascontiguousarray(np.stack([self._one() for _ in range(batch)]), dtype=np.float32)
