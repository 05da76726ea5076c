"""The student's training targets: the teacher's output on its training images.

Planes of all images are visited in random (seeded) order and each is covered by tiles of up to
`TARGET_EDGE`² output pixels, read with the teacher's exact halo (so a target equals
whole-plane inference), until `pixels` output pixels are collected: all of a 512 x 512 image,
a sample of the planes of a large stack. `flips` > 1 averages the teacher over that many
flips and rotations of each window (a cheap ensemble that evens out the blind-spot network's
orientation-dependent errors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from napari_sdap.axes import PlaneView
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.tiling import Tile, plane_tiles

__all__ = ["TARGET_EDGE", "dihedral", "teacher", "teacher_targets"]

TARGET_EDGE = 256

Run = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def teacher(net: nn.Module, device: torch.device, mode: str, pd_stride: int,
            refine: Refine | None) -> Run:
    """`run(window, group)` -> (repaired input, output) of the teacher on a normalised window,
    with the outlier repair and detail restore of `refine` (the streaming engine's)."""
    from napari_sdap.infer.stream import Engine

    engine = Engine(net, device, mode, pd_stride, compile=False, refine=refine)

    def run(window: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = engine.run(engine.prepare([window]), [group])
        return x[0].float().cpu().numpy(), y[0].float().cpu().numpy()

    return run


def dihedral(a: np.ndarray, k: int, inverse: bool = False) -> np.ndarray:
    """Flip/rotation `k` (0..7) of a C x h x w array, or its inverse."""
    rot, flip = k % 4, k >= 4
    if inverse:
        a = a[..., ::-1] if flip else a
        return np.rot90(a, -rot, axes=(1, 2))
    a = np.rot90(a, rot, axes=(1, 2))
    return a[..., ::-1] if flip else a


def teacher_targets(run: Run, read: Callable[[int, Tile], np.ndarray],
                    views: Sequence[PlaneView], halo: int, s: int, pixels: int,
                    flips: int = 1, seed: int = 0,
                    hold: Callable[[int, Tile], np.ndarray] | None = None
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(input, target) pairs of tiles on the network's normalised scale: the input is the
    (repaired) window the teacher saw, P * C x h x w (P: planes of a 3-D teacher's window, else
    1), the target its C x h x w output.

    `read(k, tile)` reads a tile's normalised window of image k; `halo` and `s` are the
    teacher's exact halo and window alignment. `hold(k, tile)`: a bool mask of the tile's
    output pixels held out of the training (their target is NaN: none).
    """
    rng = np.random.default_rng(seed)
    order = [(k, n) for k, v in enumerate(views) for n in range(v.n_planes)]
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    count = 0
    for i in rng.permutation(len(order)):
        k, n = order[i]
        v = views[k]
        edge = max(TARGET_EDGE - TARGET_EDGE % s, s)
        for tile in plane_tiles(v, n, edge, halo, s):
            x = read(k, tile)
            group = v.channel_group(n)
            outs, repaired = [], None
            for f in range(flips):
                xin, y = run(np.ascontiguousarray(dihedral(x, f)), group)
                outs.append(dihedral(y, f, inverse=True))
                if repaired is None:
                    repaired = xin
            iy, ix = tile.inner
            target = np.mean(outs, axis=0) if flips > 1 else outs[0]
            target = np.array(target[:, iy, ix], dtype=np.float32)
            if hold is not None:
                target[:, hold(k, tile)] = np.nan
            pairs.append((np.ascontiguousarray(repaired[:, iy, ix]), target))
            count += tile.pixels
            if count >= pixels:
                return pairs
    return pairs
