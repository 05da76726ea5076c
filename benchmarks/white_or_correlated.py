"""Whether the noise's power at the highest spatial frequencies tells weak white noise on
texture from correlated noise, where the lag correlations of the flattest blocks do not: per
task, the white cap's high-pass reading (`infer.texture.high_pass_energy`, its `HP_QUANTILE`
quantile over `HP_NORM`) over the median residual variance of the flattest quarter of the
noise analysis' 16 x 16 blocks (median over channels), and the stride the analysis chose. White
noise has as much power at the highest frequencies as anywhere (ratio about 1 without texture,
lower as texture adds to the blocks); noise correlated between neighbours very little.

    python benchmarks/white_or_correlated.py \
        --sets fmd,polyu,camera,camjpeg,dslr,clipcorr,microbox,wfclip,composite
    python benchmarks/white_or_correlated.py --sets set12,bsd68 --noises white10,white5

No training. Exits 0 with a message when the data folder is absent.
"""

from __future__ import annotations

import sys

import numpy as np
from quality import tasks_from_command_line


def main() -> int:
    tasks = tasks_from_command_line(__doc__)
    if tasks is None:
        return 0
    import torch

    from napari_sdap.api.inputs import prepare
    from napari_sdap.infer.texture import HP_NORM, HP_QUANTILE, high_pass_energy
    from napari_sdap.training.noise import _block_residuals, estimate_noise

    for t in tasks:
        x = np.asarray(t.noisy[0], np.float32)
        q = prepare(x, "YXC" if t.rgb else "YX")
        noise = estimate_noise([(q.array, q.view)], seed=0)
        ratios = []
        for plane in (np.moveaxis(x, -1, 0) if t.rgb else x[None]):
            var = _block_residuals(plane.astype(np.float64))[2]
            flat = float(np.median(np.sort(var)[: max(1, len(var) // 4)]))
            hp = high_pass_energy(torch.from_numpy(plane[None].copy())).numpy()[0]
            ok = np.isfinite(hp)
            if flat > 0 and ok.sum() > 64:
                ratios.append(float(np.quantile(hp[ok], HP_QUANTILE)) / HP_NORM / flat)
        ratio = f"{np.median(ratios):.3f}" if ratios else "unread"
        clip = ", dark background clipped" if noise.dark_clip else ""
        print(f"{t.set} {t.name}: stride {noise.stride}{clip}; high-pass / flat blocks {ratio}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
