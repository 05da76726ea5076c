"""The student's training targets: the teacher's output on its training images.

Planes of all images are visited in random (seeded) order and each is covered by tiles of up to
`TARGET_EDGE`² output pixels, read with the teacher's exact halo (so a target equals
whole-plane inference), until `pixels` output pixels are collected: all of a 512 x 512 image,
a sample of the planes of a large stack. The teacher may be averaged over flips and quarter
turns of each window (`teacher(flips=)`, `passes.run_flips`: a cheap ensemble that evens out
the blind-spot network's orientation-dependent errors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from napari_sdap.axes import PlaneView
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.smoothing import Run, blur
from napari_sdap.infer.tiling import Tile, plane_tiles

__all__ = ["TARGET_EDGE", "teacher", "teacher_targets"]

TARGET_EDGE = 256

def teacher(net: nn.Module, device: torch.device, mode: str, pd_stride: int,
            refine: Refine | None, flips: int = 1, sigma: float = 0.0, fp32: bool = False
            ) -> Run:
    """`run(window, group)` -> (repaired input, output) of the teacher on a normalised window,
    with the outlier repair and detail restore of `refine`, averaged over `flips` flips and
    turns (the streaming engine's), its output blurred by a Gaussian of `sigma` px
    (`smoothing.blur`: the window needs `smoothing.blur_radius` more halo). `fp32`: never in
    bfloat16 (for finite differences of the output)."""
    from napari_sdap.infer.stream import Engine

    engine = Engine(net, device, mode, pd_stride, compile=False, refine=refine, flips=flips)
    if fp32:
        engine.bf16 = False

    def run(window: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = engine.run(engine.prepare([window]), [group])
        return x[0].float().cpu().numpy(), blur(y[0].float().cpu().numpy(), sigma)

    return run


def teacher_targets(run: Run, read: Callable[[int, Tile], np.ndarray],
                    views: Sequence[PlaneView], halo: int, s: int, pixels: int, seed: int = 0,
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
            repaired, y = run(read(k, tile), v.channel_group(n))
            iy, ix = tile.inner
            target = np.array(y[:, iy, ix], dtype=np.float32)
            if hold is not None:
                target[:, hold(k, tile)] = np.nan
            pairs.append((np.ascontiguousarray(repaired[:, iy, ix]), target))
            count += tile.pixels
            if count >= pixels:
                return pairs
    return pairs
