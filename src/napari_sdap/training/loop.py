"""The RSG training loop as a generator: one small record per optimiser step.

Loss (SDAP): the batch is cut into s*s random sub-images S_0..S_{k-1} (RSG); all of them go
through the blind-spot network in one batched call, and the loss is the sum over j of
mean |f(S_j) - S_{(j+1) mod k}| (or the squared error). At stride 1 this is the plain
blind-spot self-supervised loss. Stopping the iteration between steps leaves a usable network.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch
from torch import nn

from napari_sdap.config import TrainingConfig
from napari_sdap.model.device import train_bf16
from napari_sdap.model.sampling import rsg_subsample
from napari_sdap.training.patches import PatchSampler

__all__ = ["CALIBRATION_STEPS", "FEW_STEPS", "Budget", "TrainStep", "backward", "cyclic_loss",
           "learning_rate", "run_training"]

log = logging.getLogger(__name__)

CALIBRATION_STEPS = 5
"""Steps timed (after the first, which pays for warm-up) before a time budget fixes the total."""
FEW_STEPS = 25
"""A time budget that fits fewer of a blind-spot network's steps than this (and than it is
given) is warned about: 6-15 steps of `fast` at stride 2 gave outputs 29-39 % below the
input's mean (a 96² image, 2 s budgets; 30 steps: 2 % below), and a 3-D model of 6 steps one
below its input's PSNR. A number of steps, not a share of them: `steps=100_000` with a budget
asks for as many as fit."""


def backward(loss_of: Callable[[bool], torch.Tensor], net: nn.Module, bf16: bool
             ) -> tuple[torch.Tensor, bool]:
    """Clear the gradients of `net`, compute `loss_of(bf16)` and back-propagate it; returns the
    loss and whether bf16 stays on. A bf16 step whose loss or gradients are not finite is redone
    in float32 and training goes on in float32, with a warning. (oneDNN's bf16 kernels gave NaN
    weight gradients for channels-last convolutions of 24 channels with dilation 3 or more:
    torch 2.13 on an AVX512-BF16 CPU.)"""
    net.zero_grad(set_to_none=True)
    loss = loss_of(bf16)
    loss.backward()
    if not bf16:
        return loss, False
    grads = [p.grad.isfinite().all() for p in net.parameters() if p.grad is not None]
    if bool(torch.stack([loss.detach().isfinite().all(), *grads]).all()):
        return loss, True
    log.warning("a bfloat16 training step of the %s gave non-finite values; the step is redone "
                "and training goes on in float32 (precision='float32' skips the attempt)",
                type(net).__name__)
    return backward(loss_of, net, False)


class Budget:
    """Fits a run's step count to `seconds` of wall time: after `CALIBRATION_STEPS` timed steps
    the total becomes what the rest of the budget allows at the measured speed (at least the
    steps done, at most the configured steps). `None` seconds: the configured steps. `network`:
    the blind-spot network's run, warned about when that is under `FEW_STEPS` and ended
    at the step that spends the budget before it is timed (`paper` on a CPU took 24 s a step: 6
    steps and 217 s for `time_budget=5`); the student's cheap steps keep their first ones."""

    def __init__(self, seconds: float | None, steps: int, network: bool = False) -> None:
        self.seconds, self.total, self.warn = seconds, steps, network
        self.t0 = time.perf_counter()
        self._t1 = 0.0

    def after_step(self, i: int) -> int:
        """Call after step `i` (0-based); returns the run's total steps."""
        if self.seconds is None:
            return self.total
        now = time.perf_counter()
        if i == 0:
            self._t1 = now
        steps, left = self.total, self.seconds - (now - self.t0)
        if self.warn and i < CALIBRATION_STEPS and i + 1 < steps and left <= 0:  # (untimed)
            self.total = i + 1
            log.warning("the time budget was spent after %d of the network's %d training "
                        "steps (%.1f s over its share): it stops there, and a network trained "
                        "so little may denoise worse than its input, or off its intensities; a "
                        "larger time_budget (CLI --time-budget) trains it longer", self.total,
                        steps, -left)
        elif i == CALIBRATION_STEPS:
            per_step = (now - self._t1) / CALIBRATION_STEPS
            self.total = max(i + 1, min(steps, i + 1 + int(left / max(per_step, 1e-9))))
            if self.warn and self.total < min(FEW_STEPS, steps):
                log.warning("the time budget fits %d of the network's %d training steps (%.2f s "
                            "a step, %.1f s left of its share after the first %d): a network "
                            "trained so little may denoise worse than its input, or off its "
                            "intensities; a larger time_budget (CLI --time-budget) trains it "
                            "longer", self.total, steps, per_step, max(left, 0.0), i + 1)
        return self.total



@dataclass(frozen=True)
class TrainStep:
    """Progress of one optimiser step."""

    step: int
    """Steps done so far in this model's life (continued training counts on)."""
    steps: int
    """Step count at which this run ends."""
    loss: float
    lr: float
    steps_per_s: float
    eta_s: float
    """Seconds left in this run, estimated from the recent speed."""
    val_loss: float | None = None
    """Loss on the held-out validation patches, at the steps where it was measured."""
    precision: str = "float32"
    """Arithmetic the step ran in: `bfloat16` (autocast) or `float32` (`device.train_bf16`)."""


def learning_rate(cfg: TrainingConfig, i: int, total: int) -> float:
    """Warm-up then cosine decay to 2 % of the peak, or constant."""
    peak = cfg.learning_rate
    if cfg.warmup_steps and i < cfg.warmup_steps:
        return peak * (i + 1) / cfg.warmup_steps
    if cfg.lr_schedule == "constant":
        return peak
    t = (i - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
    return peak * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def cyclic_loss(net: nn.Module, batch: torch.Tensor, stride: int, loss: str,
                generator: torch.Generator | None, bf16: bool = False) -> torch.Tensor:
    """Sum over j of the mean error between f(S_j) and S_{(j+1) mod s*s}.

    For a network with a Z context (`network3d`, input channels = planes x C) the planes of a
    patch share one permutation (the neighbours of a voxel stay at its own (y, x)) and the
    targets are the centre plane's channels."""
    subs = rsg_subsample(batch, stride, generator)  # k, N, C, h, w
    k, n, c, h, w = subs.shape
    inputs = subs.reshape(k * n, c, h, w)
    targets = torch.roll(subs, shifts=-1, dims=0).reshape(k * n, c, h, w)
    centre = getattr(net, "centre", None)
    if centre is not None:
        targets = targets[:, centre]
    if batch.is_cuda:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    with torch.autocast(batch.device.type, dtype=torch.bfloat16, enabled=bf16):
        out = net(inputs)
    diff = out.float() - targets
    err = diff.abs() if loss == "l1" else diff.square()
    return err.reshape(k, -1).mean(dim=1).sum()


def run_training(net: nn.Module, cfg: TrainingConfig, sampler: PatchSampler,
                 device: torch.device, seed: int, start_step: int = 0,
                 seconds: float | None = None,
                 validate: Callable[[nn.Module, torch.device], float] | None = None,
                 val_every: int = 1) -> Iterator[TrainStep]:
    """Train `net` in place for `cfg.steps` steps (or as many as fit in `seconds`, see
    `Budget`), yielding a `TrainStep` after each one; with `validate`, every `val_every` steps
    and after the last the step carries `validate(net, device)` as its `val_loss`."""
    net.to(device)
    if device.type == "cuda":
        net.to(memory_format=torch.channels_last)
    net.train()
    net.requires_grad_(True)  # (weights frozen by hand would give torch's raw error)
    bf16 = train_bf16(device, cfg.precision)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed * 1_000_003 + start_step)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    budget = Budget(seconds, cfg.steps, network=True)
    total = cfg.steps
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdap-patches")
    pending = pool.submit(sampler.sample, cfg.batch_size)
    t_last, rate = time.perf_counter(), 0.0
    i = -1
    try:
        while i + 1 < total:
            i += 1
            batch = torch.from_numpy(pending.result())
            if i + 1 < total:
                pending = pool.submit(sampler.sample, cfg.batch_size)
            batch = batch.to(device, non_blocking=True)
            lr = learning_rate(cfg, i, total)
            for group in opt.param_groups:
                group["lr"] = lr
            state = gen.get_state() if bf16 else None  # a redone step draws the same

            def loss_of(half: bool, state: torch.Tensor | None = state,
                        batch: torch.Tensor = batch) -> torch.Tensor:
                if state is not None:
                    gen.set_state(state)
                return cyclic_loss(net, batch, cfg.stride, cfg.loss, gen, half)

            loss, bf16 = backward(loss_of, net, bf16)
            opt.step()
            value = float(loss.detach())
            total = budget.after_step(i)
            val = validate(net, device) if validate is not None and (
                (i + 1) % max(1, val_every) == 0 or i + 1 == total) else None
            now = time.perf_counter()
            inst = 1.0 / max(now - t_last, 1e-9)
            rate = inst if i < 2 else 0.9 * rate + 0.1 * inst
            t_last = now
            yield TrainStep(step=start_step + i + 1, steps=start_step + total, loss=value, lr=lr,
                            steps_per_s=rate, eta_s=(total - i - 1) / rate, val_loss=val,
                            precision="bfloat16" if bf16 else "float32")
    finally:
        pending.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        net.eval()
