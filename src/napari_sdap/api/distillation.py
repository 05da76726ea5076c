"""The second stage of `iter_train`: distil the blind-spot teacher into the non-blind student.

The teacher's output (its inference mode, with the outlier repair and the detail restore) on
the training images (`infer.targets`) becomes the target of a `StudentNet` (`training.distil`).
A 3-D teacher has neither (no noise curve): its plain output is the target, and its student
reads the teacher's whole window (the plane with its context planes) and writes the plane.
The student is attached to the model only when the stage ends, so a live preview keeps using
the teacher until then; a stage stopped after at least half of its steps keeps the student
(it has converged most of the way), one stopped earlier drops it (logged), and so does one
that has not learned the teacher's result (`MAX_FIDELITY`). For noise independent per pixel
the student's error is then estimated from pixels of the noisy data held out of its training
(`student_judge.judge`); with `student_check` on (the default) one above the teacher's by more
than a standard error (`DOUBT`) trains a second round of as many steps (stopped, the first
round's student stands; the record counts both rounds' steps), and one clearly above it
(`WORSE`) is dropped. The last estimate is recorded either way. A whitened model's student
(`infer.whiten`) fits its error as coloured back, on unturned patches.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.api.noise_curve import measure_noise_curve
from napari_sdap.api.student_judge import CHECK_PIXELS, SEED_OFFSET, hold, judge, teacher_mode
from napari_sdap.api.target_blur import checkable, target_blur
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.risk import Comparison
from napari_sdap.infer.smoothing import blur_radius
from napari_sdap.infer.stream import read_window
from napari_sdap.infer.targets import teacher, teacher_targets
from napari_sdap.infer.tiling import alignment, exact_halo
from napari_sdap.model.device import train_bf16
from napari_sdap.model.seeding import seeded
from napari_sdap.model.student import StudentNet, student_channels
from napari_sdap.training.distil import PairSampler, fidelity, run_distillation
from napari_sdap.training.loop import TrainStep

__all__ = ["CHECK_PIXELS", "DOUBT", "KEEP_FRACTION", "MAX_FIDELITY", "WORSE", "checkable",
           "distil", "judge", "target_refine", "teacher_mode"]

log = logging.getLogger(__name__)

KEEP_FRACTION = 0.5
"""A stopped distillation keeps its student once this fraction of its steps is done."""
MAX_FIDELITY = 0.25
"""An unjudged student (`judge`) is kept only when its squared difference from the teacher's
result is at most this share of the noisy input's (`distil.fidelity`); where the check runs it
decides (under weak noise this bar dropped students better than their teachers)."""
WORSE = 3.0
"""A checked student is dropped when its estimated error exceeds the teacher's by more than this
many standard errors of the estimate (after its second round). Not 2: a strong-noise student
0.66 dB better than its teacher read 1.9 (Poisson noise of a few photons is not Gaussian)."""
DOUBT = 1.0
"""A checked student this many standard errors above the teacher trains a second round: a
doubt costs time (+30-42 % of the training on 256 x 256 crops), a drop the student's speed."""
_LOSS_HISTORY, _SEED = 20_000, SEED_OFFSET
_CHECK = 32
"""Patches of the fixed batch the finished student is checked on."""


def distil(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
           seconds: float | None = None, targets: NoiseCurve | None = None,
           finish_stopped: Callable[[], bool] = lambda: True) -> Iterator[TrainStep]:
    """Distil a student for `model`, yielding one `TrainStep` per step (step numbers count on
    from the teacher's); attaches it to `model` when done (or stopped late enough). `targets`:
    the plain noise curve measured with the model's own (measured again when None). Stopped
    (closed, Ctrl-C) where `finish_stopped()` is false (the caller throws the model away: CLI
    train on Ctrl-C), the student is neither judged nor attached, and nothing is said of it."""
    cfg = model.config.student
    mode, pd = teacher_mode(model), model.config.inference.pd_stride
    refine = target_refine(model, sources, device, targets)
    norm = model.normalization
    t0 = time.perf_counter()
    net = model.network.to(device).eval()
    try:
        sigma, chosen = target_blur(model, sources, device, mode, pd, refine)
        model.record.target_blur = (chosen.summary() if chosen is not None
                                    else {"sigma": sigma} if sigma else None)
        pairs = teacher_targets(
            teacher(net, device, mode, pd, refine, cfg.target_flips, sigma=sigma),
            lambda k, t: read_window(sources[k][0], sources[k][1], norm, t),
            [v for _, v in sources],
            exact_halo(net.radius, mode, pd, refine.halo if refine else 0) + blur_radius(sigma),
            alignment(mode, pd), cfg.target_pixels, seed=model.config.seed,
            hold=hold if checkable(model) else None)
    finally:
        model.network.to("cpu")
    with seeded(model.config.seed + _SEED):  # (not disturbed by other threads)
        inputs, outputs = student_channels(model.config.network)
        student = StudentNet(inputs, cfg.student_width, cfg.student_dilations, outputs)
    weigh = model.whitening.colour if model.whitening is not None else None
    seed, keep = model.config.seed, weigh is not None
    check = PairSampler(pairs, cfg.student_patch, seed, keep).sample(_CHECK)
    sampler = PairSampler(pairs, cfg.student_patch, seed + _SEED, keep)
    stage = _Stage(model, student, sources, device, check)
    bf16 = train_bf16(device, model.config.training.precision)
    stopped = False
    try:
        for rec in run_distillation(student, cfg, sampler, device,
                                    start_step=model.record.steps, seconds=_left(seconds, t0),
                                    bf16=bf16, weigh=weigh):
            stage.count(rec, model.record.steps)
            yield rec
        stage.settle()
        left = _left(seconds, t0)
        if stage.above(DOUBT) and cfg.student_check and (left is None or left > 0):
            # a second round of as many steps (a new schedule) before judging it: on textured
            # images it brought students from 0.2-0.4 dB below the teacher to above it
            stage.keep_first()
            log.info("the student's error on held-out pixels is estimated %.1f %% of the noise "
                     "variance above the blind-spot network's: %d more steps before judging it%s",
                     100 * stage.judged.excess if stage.judged else 0.0, cfg.student_steps,
                     "" if left is None else f" (as many as fit in the {left:.0f} s left)")
            start, base = model.record.steps + stage.done, stage.done
            for rec in run_distillation(student, cfg, sampler, device, start_step=start,
                                        seconds=left, fresh=False, bf16=bf16, weigh=weigh):
                stage.count(rec, start - base)
                yield rec
            stage.settle()
    except (GeneratorExit, KeyboardInterrupt):
        stopped = True
        raise
    finally:
        model.record.student_seconds += time.perf_counter() - t0
        if not stopped or finish_stopped():  # (else a warning that the blind-spot network
            if not stage.settled and stage.second:  # denoises, of a model nothing uses)
                stage.back_to_first()  # stopped (or failed) in the second round
            elif not stage.settled:
                stage.settle()
            stage.finish()


def target_refine(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
                  plain: NoiseCurve | None = None) -> Refine | None:
    """What the teacher does around its network for the student's targets: per pixel the
    larger restore of the plain curve at full strength (`plain`, measured when None) and the
    teacher's own gated one. The gate judges the teacher's output: students of gated targets
    alone lost 0.3-0.6 dB on FMD confocal; of the teacher's curve at full strength, copied the
    noise it gave back; of the plain curve alone, fell below their teachers on textured
    photographs (docs/benchmarks.md, "Student targets")."""
    refine = model.refine()
    if refine is None or not refine.detail:
        return refine
    if plain is None:
        plain = measure_noise_curve(model, sources, device)[1]
    return Refine(plain, detail=True, at_least=model.noise_curve)


def _left(seconds: float | None, t0: float) -> float | None:
    return None if seconds is None else max(seconds - (time.perf_counter() - t0), 0.0)


class _Stage:
    """The student's progress through the distillation and the verdict on it."""

    def __init__(self, model: SDAPModel, student: StudentNet, sources: list[tuple[Any, Any]],
                 device: torch.device, check: tuple[torch.Tensor, torch.Tensor]) -> None:
        self.model, self.student, self.sources, self.device = model, student, sources, device
        self.check = check
        self.done, self.planned = 0, model.config.student.student_steps
        self.losses: list[float] = []
        self.score = math.inf
        self.judged: Comparison | None = None
        self.settled = False
        self._first: tuple[dict[str, torch.Tensor], int, int] | None = None
        """The first round's weights, steps and losses kept, while a second round runs."""

    def count(self, rec: TrainStep, offset: int) -> None:
        """Note one step's record (`offset`: the step number of this stage's first step - 1)."""
        self.done, self.planned = rec.step - offset, rec.steps - offset
        if len(self.losses) < _LOSS_HISTORY:
            self.losses.append(round(rec.loss, 6))
        self.settled = False

    def worth(self, checked: bool) -> bool:
        """Kept unless judged worse: `KEEP_FRACTION` of its steps done, not diverged, and close
        enough to the teacher's result (`MAX_FIDELITY`) or `checked` on held-out pixels with
        the check on (`finish` drops it where clearly worse)."""
        enough = self.done >= KEEP_FRACTION * self.planned and math.isfinite(self.score)
        check = checked and self.model.config.student.student_check
        return enough and (self.score <= MAX_FIDELITY or check)

    @property
    def usable(self) -> bool:  # `worth` keeping as judged (or not) now
        return self.worth(checked=self.judged is not None)

    @property
    def second(self) -> bool:
        """Whether a second round was started (and not cut short)."""
        return self._first is not None

    def above(self, errors: float) -> bool:
        """Whether the student's estimated error is above the teacher's by more than `errors`
        standard errors."""
        j = self.judged
        return j is not None and j.excess > errors * j.excess_se

    def keep_first(self) -> None:
        """Keep the student of the first round (and its verdict) before a second one."""
        state = {k: v.detach().to("cpu", copy=True) for k, v in self.student.state_dict().items()}
        self._first = (state, self.done, len(self.losses))

    def back_to_first(self) -> None:
        """A second round was cut short: the student and verdict of the first stand."""
        if self._first is None:
            return
        state, self.done, n = self._first
        self.student.to("cpu").load_state_dict(state)
        self.student.eval()
        del self.losses[n:]
        self.planned, self._first, self.settled = self.done, None, True

    def settle(self) -> None:
        """Score and judge the student as it is now."""
        self.settled = True
        self.score = (fidelity(self.student, self.check, self.device) if self.done
                      else math.inf)
        self.student.to("cpu").eval()
        self.judged = None
        if self.worth(checked=True):  # judged where a verdict could keep it
            try:
                self.judged = judge(self.model, self.student, self.sources, self.device)
            except (RuntimeError, OSError) as err:  # out of memory, unreadable input
                log.warning("could not compare the student with the blind-spot network on "
                            "held-out pixels (%s); it is %s", err, "kept unchecked"
                            if self.score <= MAX_FIDELITY else "judged by its fit alone")

    def budget_cut(self) -> str:
        """How to train it longer where a time budget fitted its steps below the configured ones
        (both rounds' after a second one); else ''."""
        configured = self.model.config.student.student_steps * (1 + self.second)
        return (f"it ran {self.done} of its {configured} steps, as many as fit in the time "
                f"budget: a larger time_budget (CLI --time-budget) trains it longer"
                if self.planned < configured else "")

    def finish(self) -> None:
        """Attach the student to the model, or drop it with the reason in the log."""
        rec, cfg = self.model.record, self.model.config.student
        rec.student_fidelity = self.score if math.isfinite(self.score) else None  # NaN: diverged
        j = self.judged
        rec.student_check = None if j is None else j.summary()
        if j is not None and cfg.student_check and self.above(WORSE):
            log.warning("the distilled student is worse than the blind-spot network on pixels "
                        "held out of its training (estimated error %.1f %% of the noise "
                        "variance above it, standard error %.1f %%)%s: it is dropped and the "
                        "blind-spot network denoises%s", 100 * j.excess, 100 * j.excess_se,
                        " after a second round of training" if self.second else "",
                        f"; {cut}" if (cut := self.budget_cut()) else "")
        elif self.usable:
            self.model.student = self.student
            rec.student_steps = self.done
            rec.student_losses = self.losses
            if self.score > MAX_FIDELITY:
                log.info("the distilled student stays %.0f %% of the noise away from the blind-"
                         "spot network's result, but is not clearly worse on held-out pixels: it "
                         "is kept", 100 * self.score)
        elif self.done >= KEEP_FRACTION * self.planned:
            log.warning("the distilled student stays %.0f %% of the noise away from the "
                        "blind-spot network's result (at most %.0f %% is kept): it is dropped "
                        "and the blind-spot network denoises; %s", 100 * self.score,
                        100 * MAX_FIDELITY,
                        self.budget_cut() or "train it longer with student_steps=...")
        else:  # stopped (or failed) early: it was dropped without a word
            log.warning("the student's distillation stopped after %d of its %d steps (a student "
                        "is kept from half of them): the blind-spot network denoises; train on "
                        "(model=, or Continue) to distil one", self.done, self.planned)
