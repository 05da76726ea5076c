"""How a training call ends: the output blur and mix of the model's default output, measured
when the training ends, finished or stopped; and the small bookkeeping of its steps (time left,
precision, the steps of a teacher without a student, the record of each call)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import torch

from napari_sdap.api.model import SDAPModel
from napari_sdap.api.training_record import TrainingRun, software_versions
from napari_sdap.config import wants_student
from napari_sdap.training.loop import TrainStep

__all__ = ["TrainProgress", "begin_run", "end_run", "eta_left", "finish_output",
           "note_precision", "steps_alone", "student_stage"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainProgress(TrainStep):
    """A `TrainStep` plus the model being trained (usable at any point) and the stage:
    `teacher` (the blind-spot network) or `student` (its distillation, after the teacher;
    `step` and `steps` count both stages)."""

    model: SDAPModel | None = None
    stage: str = "teacher"


def finish_output(model: SDAPModel, sources: list[tuple[Any, Any]], device: torch.device,
                  start: int, stopped: bool = False) -> None:
    """Choose the blur or the mix of the model's default output (`output_blur`, `output_mix`)
    once a training that took steps (beyond `start`) ends, `stopped` included: a model stopped
    during either stage (its student kept or dropped) denoised without them, 4.6 dB below
    the finished one on a 96² image of strong white noise and 8.5 dB on a `tiny` sine
    pattern. On a stop, a failure to measure them leaves the model without them (logged): it
    stays usable as it is."""
    if model.record.steps <= start:
        return
    from napari_sdap.api.output_blur import output_blur
    from napari_sdap.api.output_mix import output_mix

    try:
        output_blur(model, sources, device)
        output_mix(model, sources, device)
    except Exception as err:
        if not stopped:
            raise
        log.warning("the output blur and mix of the stopped training could not be measured "
                    "(%s); the model denoises without them", err)


def eta_left(rec: TrainStep, extra: int, budget: float | None, t00: float) -> float:
    """Seconds left in the whole run at a teacher step: the student's `extra` steps (and its
    targets) counted at the teacher's speed, as `steps` counts them (the teacher's own time
    alone read "0 s left" at its last step, with the distillation still to come); at most what
    is left of a `time_budget`."""
    eta = rec.eta_s + extra / max(rec.steps_per_s, 1e-9) if extra else rec.eta_s
    return eta if budget is None else min(eta, max(budget - (time.perf_counter() - t00), 0.0))


def note_precision(model: SDAPModel, precision: str, first: bool = False) -> None:
    """Add `precision` to `model.record.precision` when it differs from the last one noted
    (`first`: the first step of a training call, which starts the record afresh)."""
    noted = [] if first or not model.record.precision else model.record.precision.split(", then ")
    if not noted or noted[-1] != precision:
        model.record.precision = ", then ".join([*noted, precision])


def steps_alone(cfg: Any) -> Any:
    """`cfg` with `training.steps_without_student` as its steps when no student will be
    distilled (and the preset sets it)."""
    t = cfg.training
    if t.steps_without_student is None or wants_student(cfg):
        return cfg
    return cfg.model_copy(update={"training": t.model_copy(
        update={"steps": t.steps_without_student})})


def begin_run(model: SDAPModel, budget: float | None, validation: float = 0.0,
              device: Any = None) -> TrainingRun:
    """Add this training call to `model.record.runs`, with its settings (the model's config
    once they are applied, the `validation` fraction of rows it held out, the `device` it
    trains on and torch's threads), and return it: its steps are counted as it goes."""
    cfg = model.config
    run = TrainingRun(time_budget=budget, validation=float(validation or 0.0),
                      device=None if device is None else str(device),
                      threads=torch.get_num_threads(), training=cfg.training.model_copy(),
                      student=cfg.student.model_copy(), versions=software_versions())
    model.record.runs.append(run)
    return run


def end_run(model: SDAPModel, run: TrainingRun, t00: float, stopped: bool) -> None:
    """What the call ran, once it has ended (finished, stopped or failed); a call that ended
    before its first step is taken off the record (it trained nothing)."""
    if run.steps == 0:
        model.record.runs = [r for r in model.record.runs if r is not run]
        return
    run.student_steps = model.record.student_steps
    run.precision = model.record.precision  # (noted afresh from this call's first step)
    run.seconds = time.perf_counter() - t00
    run.stopped = stopped


def student_stage(model: SDAPModel, sources: list[tuple[Any, Any]], dev: torch.device,
                  start: int, targets: Any, budget: float | None, t00: float,
                  finish_stopped: bool) -> Iterator[TrainProgress]:
    """The student's distillation after the teacher (`api.distillation`), its progress counted
    on from the teacher's; stopped, the model is finished as the teacher left it (unless
    `finish_stopped` is False, or Python is exiting)."""
    from napari_sdap.api.distillation import distil
    from napari_sdap.api.modes import without_student
    from napari_sdap.api.open_training import exiting

    def keep() -> bool:
        return finish_stopped and not exiting()

    left = None if budget is None else budget - (time.perf_counter() - t00)
    students = distil(model, sources, dev, left, targets,  # (a stopped model thrown away:
                      finish_stopped=keep)  # no word)
    stopped = False
    try:
        for rec in students:  # (its eta too at most what is left of the budget)
            note_precision(model, rec.precision)
            yield TrainProgress(**{**asdict(rec), "eta_s": eta_left(rec, 0, budget, t00)},
                                model=model, stage="student")
    except (GeneratorExit, KeyboardInterrupt):
        stopped = True
        raise
    finally:
        students.close()  # (a student past half of its steps is kept)
        without_student(model)
        if stopped and keep():
            finish_output(model, sources, dev, start, stopped=True)
