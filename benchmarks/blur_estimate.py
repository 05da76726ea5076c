"""Stein's estimate of what blurring the teacher's output gains, against the truth.

Can a blur of the output be chosen from the noisy image alone?
For each task of the quality harness (`quality.load_tasks`, single-channel images) this trains
the stride-1 teacher alone (`fast`, no student), then, for Gaussian blurs of its output (`bsn`,
outlier repair, detail restore and bias correction as at inference) of sigma 0-1.6 px, compares
Stein's unbiased estimate of the change in mean squared error with the true change (from the
reference). The divergence of the blurred output comes from autograd with two random +-1
probes; the noise variance from the 2 x 2 block curve of the student check
(`infer.risk.block_curve`), read at the input. Prints both per sigma (8-bit scale), the sigma
each would choose and what it gains. Example::

    python benchmarks/blur_estimate.py --sets strong --crop 256 --threads 1
"""

from __future__ import annotations

import time

import numpy as np
from quality import tasks_from_command_line

SIGMAS = (0.0, 0.5, 0.7, 0.9, 1.2, 1.6)
_PAD = 16


def _blur(y, sigma: float):
    """Separable Gaussian blur of N x C x H x W `y` (reflected edges); sigma 0: `y`."""
    import torch
    import torch.nn.functional as F

    if sigma == 0.0:
        return y
    r = max(1, int(np.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t * t / (2 * sigma * sigma))
    k = k / k.sum()
    c = y.shape[1]
    y = F.conv2d(F.pad(y, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1),
                 groups=c)
    return F.conv2d(F.pad(y, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1),
                    groups=c)


def _compare(model, noisy: np.ndarray, clean: np.ndarray) -> list[tuple[float, float, float]]:
    """(sigma, estimated change, true change) of the mean squared error, network scale."""
    import torch
    import torch.nn.functional as F

    from napari_sdap.infer.curve import noise_at, roughness
    from napari_sdap.infer.risk import block_curve, blocks_of

    lo, scale = model.normalization.scale(0)
    x = torch.from_numpy(((noisy - lo) / scale).astype(np.float32))[None, None]
    y = torch.from_numpy(((clean - lo) / scale).astype(np.float32))[None, None]
    refine, net = model.refine(mode="bsn"), model.network.eval()

    def teacher(xx):
        xr = refine.before(xx, [0])
        mu = net(F.pad(xr, (_PAD,) * 4, mode="reflect"))[..., _PAD:-_PAD, _PAD:-_PAD]
        return refine.after(xr, mu, [0])

    with torch.no_grad():
        t = teacher(x)
        rough = roughness(t[0])
    blocks = [blocks_of(a) for a in (x[0, 0].numpy(), t[0, 0].numpy(), rough[0].numpy())]
    v = noise_at(x[0, 0].numpy().astype(np.float64), *block_curve(*blocks))
    var = torch.from_numpy(v.astype(np.float32))[None, None]
    gen = torch.Generator().manual_seed(1)
    probes = [torch.randint(0, 2, x.shape, generator=gen).float() * 2 - 1 for _ in range(2)]
    rows = []
    for sigma in SIGMAS:
        divergence = []
        for b in probes:
            xg = x.clone().requires_grad_(True)
            (g,) = torch.autograd.grad((_blur(teacher(xg), sigma) * var * b).sum(), xg)
            divergence.append(float((g * b).mean()))
        with torch.no_grad():
            f = _blur(t, sigma)
            estimate = float(((f - x) ** 2).mean() - var.mean()) + 2.0 * float(np.mean(divergence))
            rows.append((sigma, estimate, float(((f - y) ** 2).mean())))
    return [(s, (e - rows[0][1]) * scale**2, (m - rows[0][2]) * scale**2, m * scale**2)
            for s, e, m in rows]


def main() -> int:
    tasks = tasks_from_command_line(__doc__, sets="strong", crop=256)
    if tasks is None:
        return 0
    import napari_sdap

    for task in tasks:
        if task.rgb:
            continue
        t0 = time.perf_counter()
        model = napari_sdap.train(task.noisy, "YX", preset="fast", device="cpu", student=False)
        rows = _compare(model, task.noisy[0], task.clean[0])
        base = rows[0][3]
        gain = {s: 10 * np.log10(base / (base + true)) for s, _, true, _ in rows}
        chosen = min(rows, key=lambda r: r[1])[0]
        best = min(rows, key=lambda r: r[2])[0]
        per = " | ".join(f"{s:g}: estimate {e:+.2f}, true {m:+.2f}" for s, e, m, _ in rows[1:])
        print(f"{task.set} {task.name}: {per} || chosen {chosen:g} ({gain[chosen]:+.2f} dB), "
              f"best {best:g} ({gain[best]:+.2f} dB), {time.perf_counter() - t0:.0f} s",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
