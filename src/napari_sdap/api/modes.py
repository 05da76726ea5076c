"""The mode a model denoises with by default, while it trains as well as after; a student mode
asked for where training distils no student, or drops it.

`config.inference.mode` may ask for the student (`train(image, mode="student")`), but a
training measures its noise curve, output blur and mix before the student is distilled, or
after one was dropped: there the default is the teacher's own mode, as for `mode="auto"`.
"""

from __future__ import annotations

import logging
from typing import Any

from napari_sdap.config import wants_student
from napari_sdap.errors import ConfigError
from napari_sdap.infer.passes import resolve_mode

__all__ = ["check_student_mode", "default_mode", "without_student"]

log = logging.getLogger(__name__)


def default_mode(model: Any) -> str:
    """`model.resolve_mode("auto")`, with a configured `student` mode read as `auto` where the
    model has no student (yet)."""
    mode = model.config.inference.mode
    if mode == "student" and model.student is None:
        mode = "auto"
    return resolve_mode(mode, model.config.training.stride, model.student is not None,
                        volume=model.config.network.dims == 3)


def check_student_mode(cfg: Any, given: bool = True) -> None:
    """Refuse, before any step, `mode="student"` for a training that distils no student: the
    model could then not denoise as its settings say. `given`: the mode was given to this
    training (else it is the model's own setting, trained further)."""
    if cfg.inference.mode == "student" and not wants_student(cfg):
        why = ("student=False" if cfg.student.student is False else
               f"the noise is correlated (stride {cfg.training.stride}), which distils none"
               if cfg.training.stride > 1 else "no student is distilled")
        if not given:
            raise ConfigError(
                f"this model is set to denoise with its student (config.inference.mode "
                f"'student', as in a package exported in mode 'student'), but this training "
                f"distils none ({why}) and drops the one it has; give student=True, or "
                f"mode='auto' to denoise with the blind-spot network")
        raise ConfigError(f"mode='student' asks for the distilled student, but this training "
                          f"distils none ({why}); give student=True, or leave mode out (auto: "
                          f"the student where there is one)")


def without_student(model: Any) -> None:
    """A model set to denoise with its student (`mode="student"`) whose student was dropped
    (worse than its teacher, or stopped mid-distillation) denoises with `auto`, as logged."""
    if model.student is None and model.config.inference.mode == "student":
        log.warning("mode 'student' was asked for, but this model has no student: it denoises "
                    "with mode 'auto' (the blind-spot network)")
        model.config.inference = model.config.inference.model_copy(update={"mode": "auto"})
