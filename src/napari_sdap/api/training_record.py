"""`TrainingRecord`: what a model went through (steps, losses, the noise read, the student and
the choices made when training ended), kept inside the model file."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, field_validator

from napari_sdap.config import StudentConfig, TrainingConfig

__all__ = ["TrainingRecord", "TrainingRun", "software_versions"]



def software_versions() -> dict[str, str]:
    """napari-sdap, torch and numpy versions of this process (recorded with each training and
    each output)."""
    import numpy as np
    import torch

    from napari_sdap import __version__

    return {"napari_sdap": __version__, "torch": torch.__version__, "numpy": np.__version__}

class TrainingRun(BaseModel):
    """One training call (a first training, or a Continue): its settings and what it ran. The
    model's config holds the last call's settings only."""

    model_config = ConfigDict(extra="forbid")
    steps: int = Field(0, ge=0)
    """Blind-spot (teacher) steps this call ran."""
    student_steps: int = Field(0, ge=0)
    seconds: FiniteFloat = Field(0.0, ge=0.0)
    """Wall time of the call, preparation and noise curve included."""
    time_budget: FiniteFloat | None = Field(None, gt=0.0)
    stopped: bool = False
    """Stopped before its steps were done (the loop left, Ctrl-C, the Stop button, or an error
    ended it: an exception thrown into the loop, out of memory)."""
    training: TrainingConfig
    student: StudentConfig
    versions: dict[str, str] = Field(default_factory=dict)
    precision: str | None = None
    """Arithmetic of this call's steps, as `TrainingRecord.precision` (whose value is the last
    call's; `training.precision` is the setting, `auto` on any device); None in older files."""
    validation: float = Field(0.0, ge=0.0, lt=1.0)
    """Fraction of every plane's rows (a band at the bottom) held out of this call's training
    for its validation loss (`iter_train(validation=)`, the Train panel's 0.1 by default): the
    teacher never trained on them; 0: none (and in older files)."""
    device: str | None = None
    """The device this call trained on (`cpu`, `cuda:0` ...; resolved, never `auto`: the
    config keeps what was asked); None in older files."""
    threads: int | None = Field(None, ge=1)
    """torch's CPU threads during this call (the same seed and data give the same model with
    the same number of threads); None in older files."""


class TrainingRecord(BaseModel):
    """What a model went through: kept inside the model file."""

    model_config = ConfigDict(extra="forbid")
    steps: int = Field(0, ge=0)
    final_loss: float | None = None
    """Loss of the last step (NaN if training diverged: the history is kept as it was)."""
    losses: list[float] = Field(default_factory=list)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    seconds: FiniteFloat = Field(0.0, ge=0.0)
    noise: dict[str, Any] | None = None
    """The measured noise correlation (`training.noise.NoiseEstimate` as a dict)."""
    trained_on: list[str] = Field(default_factory=list)
    dims: str | None = None
    """Why the network is 2-D or 3-D (`dims=` of the first training; None in older files)."""
    student_steps: int = Field(0, ge=0)
    """Distillation steps of the student (0: no student)."""
    student_losses: list[float] = Field(default_factory=list)
    student_seconds: FiniteFloat = Field(0.0, ge=0.0)
    student_fidelity: FiniteFloat | None = Field(None, ge=0.0)
    """Squared difference of the student from the teacher's result, relative to the noisy
    input's, when the distillation ended (kept at most `distillation.MAX_FIDELITY`)."""
    student_check: dict[str, FiniteFloat] | None = None
    """The student against its teacher, estimated from held-out pixels of the noisy training
    data when the distillation ended (`infer.risk.Comparison.summary`; None: not checked)."""
    target_blur: dict[str, FiniteFloat] | None = None
    """The blur of the student's targets (`sigma` in px) and, when chosen by the estimate
    (`infer.smoothing.Smoothing.summary`), its estimated gain; None: not blurred."""
    output_blur: dict[str, FiniteFloat] | None = None
    """The estimate behind the blur of the output (`noise_curve.blur`) of a model trained at a
    stride above 1 (`api.output_blur`: `Smoothing.summary` and each blur's estimated gain,
    ``gain@SIGMA``); None: not estimated."""
    output_mix: dict[str, FiniteFloat] | None = None
    """The estimate behind the mix of the output with the blurred input (`noise_curve.mix`)
    of a model trained at stride 1 (`api.output_mix`: `Mix.summary` and each blur's share and
    estimated gain, ``share@SIGMA``, ``gain@SIGMA``); None: not estimated."""
    versions: dict[str, str] = Field(default_factory=dict)
    """napari-sdap, torch and numpy of the first training (each run has its own)."""
    runs: list[TrainingRun] = Field(default_factory=list)
    """Each training call, in order (empty in files from before the field)."""
    volume_offset: list[list[FiniteFloat]] | None = None
    """The bias correction added to a 3-D model's teacher output, [channel group][channel] on
    the network's normalised scale, measured when its last training ended (`api.volume_bias`;
    None: none)."""
    precision: str | None = None
    """Arithmetic of the last training's steps, teacher then student: `bfloat16`, `float32`,
    or both in the order they ran (`"bfloat16, then float32"` after a step fell back; None in
    files from before the field)."""

    @field_validator("noise")
    @classmethod
    def _check_noise(cls, noise: dict[str, Any] | None) -> dict[str, Any] | None:
        from napari_sdap.training.noise import check_noise_record

        return None if noise is None else check_noise_record(noise)
