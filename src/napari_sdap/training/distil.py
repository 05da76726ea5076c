"""Distillation: fit the non-blind student to the teacher's output, one record per step.

Patches are cut at random from (input, target) window pairs (`infer.targets`), with the same
random flip or rotation for both, and the student minimises the mean absolute difference
between its output on the input and the target (L1: robust to the few pixels where the teacher
is wrong). Adam with a short warm-up and cosine decay, as the teacher's training. The input is
the teacher's window: for a 3-D teacher its planes stacked on the channel axis, the target then
being the centre plane's. A NaN target marks a pixel held out of the training (`infer.risk`):
it is context for its neighbours but never a target. `weigh` filters the difference before the
loss: a whitened model's colouring, so that the student fits the error its output will have
after it (the filter looks backwards along the axis; on a patch flipped along it, forwards,
which gives every frequency the same weight).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from napari_sdap.config import StudentConfig, TrainingConfig
from napari_sdap.model.student import centre_channels
from napari_sdap.training.loop import Budget, TrainStep, backward, learning_rate
from napari_sdap.windows import pick, random_dihedral, random_start, weights

__all__ = ["PairSampler", "fidelity", "masked_l1", "run_distillation"]

_WARMUP = 20

Weigh = Callable[[torch.Tensor], torch.Tensor]


class PairSampler:
    """Random aligned (input, target) patches of edge `patch` from (P * C x h x w, C x h x w)
    window pairs (P: planes of the teacher's window, 1 for 2-D). `keep_axes`: only the flips
    and the half turn for augmentation, for images that differ along X and Y."""

    def __init__(self, pairs: Sequence[tuple[np.ndarray, np.ndarray]], patch: int,
                 seed: int = 0, keep_axes: bool = False) -> None:
        self.keep_axes = keep_axes
        self.patch = min(patch, max(min(x.shape[1:]) for x, _ in pairs))
        self.pairs = [(x, t) for x, t in pairs if min(x.shape[1:]) >= self.patch]
        self.weights = weights([x.shape[1] * x.shape[2] for x, _ in self.pairs])
        self.rng = np.random.default_rng(seed)

    def sample(self, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng, p = self.rng, self.patch
        xs, ts = [], []
        for _ in range(batch):
            x, t = self.pairs[pick(rng, self.weights)]
            y0 = random_start(rng, x.shape[1], p)
            x0 = random_start(rng, x.shape[2], p)
            same = random_dihedral(rng, self.keep_axes)  # the same for input and target
            for src, dst in ((x, xs), (t, ts)):
                dst.append(same(src[:, y0:y0 + p, x0:x0 + p]))
        return (torch.from_numpy(np.ascontiguousarray(np.stack(xs), dtype=np.float32)),
                torch.from_numpy(np.ascontiguousarray(np.stack(ts), dtype=np.float32)))


def run_distillation(student: nn.Module, cfg: StudentConfig, sampler: PairSampler,
                     device: torch.device, start_step: int = 0,
                     seconds: float | None = None, fresh: bool = True,
                     bf16: bool = False, weigh: Weigh | None = None) -> Iterator[TrainStep]:
    """Train `student` in place for `cfg.student_steps` steps (or as many as fit in `seconds`,
    see `loop.Budget`), yielding a `TrainStep` after each one (`step` counts on from
    `start_step`, the teacher's steps). `fresh`: an untrained student, whose output is first
    moved onto the targets' mean (`StudentNet.start_at`); otherwise training goes on from its
    weights with a new schedule. `bf16`: steps under bfloat16 autocast (`device.train_bf16`).
    `weigh`: a linear filter the difference from the targets passes before the loss."""
    student.to(device).train()
    student.requires_grad_(True)  # (weights frozen by hand would give torch's raw error)
    schedule = TrainingConfig(steps=cfg.student_steps, learning_rate=cfg.student_lr,
                              warmup_steps=min(_WARMUP, cfg.student_steps // 10))
    opt = torch.optim.Adam(student.parameters(), lr=cfg.student_lr)
    total = cfg.student_steps
    if fresh:
        x0, t0 = sampler.sample(cfg.student_batch)
        student.start_at(x0.to(device), t0.to(device))  # type: ignore[operator]
    budget = Budget(seconds, total)
    t_last, rate = time.perf_counter(), 0.0
    i = -1
    try:
        while i + 1 < total:
            i += 1
            x, t = sampler.sample(cfg.student_batch)
            x, t = x.to(device, non_blocking=True), t.to(device, non_blocking=True)
            lr = learning_rate(schedule, i, total)
            for group in opt.param_groups:
                group["lr"] = lr
            loss, bf16 = backward(lambda half, x=x, t=t: _loss(student, x, t, half, weigh),
                                  student, bf16)
            opt.step()
            total = budget.after_step(i)
            now = time.perf_counter()
            inst = 1.0 / max(now - t_last, 1e-9)
            rate = inst if i < 2 else 0.9 * rate + 0.1 * inst
            t_last = now
            yield TrainStep(step=start_step + i + 1, steps=start_step + total,
                            loss=float(loss.detach()), lr=lr, steps_per_s=rate,
                            eta_s=(total - i - 1) / rate,
                            precision="bfloat16" if bf16 else "float32")
    finally:
        student.eval()


def _loss(student: nn.Module, x: torch.Tensor, t: torch.Tensor, bf16: bool,
          weigh: Weigh | None) -> torch.Tensor:
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        out = student(x)
    return masked_l1(out.float(), t, weigh)


def masked_l1(out: torch.Tensor, target: torch.Tensor, weigh: Weigh | None = None
              ) -> torch.Tensor:
    """Mean absolute difference over the pixels with a target (not NaN); with `weigh`, of the
    difference through that filter (a pixel without a target counts as no difference)."""
    valid = torch.isfinite(target)
    diff = out - torch.where(valid, target, out.detach())
    if weigh is not None:
        diff = weigh(diff)
    return diff.abs().sum() / valid.sum().clamp_min(1)


@torch.no_grad()
def fidelity(student: nn.Module, batch: tuple[torch.Tensor, torch.Tensor],
             device: torch.device) -> float:
    """How far the student is from its targets, relative to the noisy input: mean squared
    difference (student - target) over (input - target) on a batch of pairs (0: it reproduces
    the teacher; 1: no closer than the noisy input). For 3-D windows the input is its centre
    plane, the one the target belongs to."""
    x, t = (a.to(device) for a in batch)
    student.eval()
    off = float(((student(x) - t) ** 2).nanmean())
    return off / max(float(((centre_channels(x, t.shape[1]) - t) ** 2).nanmean()), 1e-12)
