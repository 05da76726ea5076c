"""The one configuration shared by the Python API, the CLI and the napari widgets.

`SDAPConfig` is stored inside every model file and recorded next to every output, so a result
can always be traced back to the exact network, training, tiling, device and seed that made it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from napari_sdap.kinds import (
    Flag,
    Flips,
    Real,
    Whole,
    flag_or_auto,
    lowered,
    raised,
    real_or_auto,
    whole,
)

__all__ = [
    "InferenceConfig",
    "NetworkConfig",
    "NormalizationConfig",
    "SDAPConfig",
    "StudentConfig",
    "TilingConfig",
    "TrainingConfig",
    "wants_student",
]


LEVEL_MAX = 1e10
"""Bound of the known noise level's numbers (`TrainingConfig.noise_std` and the others): far
beyond any image's intensities, and its square still finite."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NetworkConfig(_Strict):
    """Blind-spot network (DBSNl) shape."""

    preset: str = "custom"
    """Name of the preset this network came from (informative)."""
    in_channels: Whole = Field(1, ge=1, le=64)
    """Channels the network sees jointly (1 for gray or independent channels, 3 for RGB)."""
    out_channels: Whole = Field(1, ge=1, le=64)
    """Channels the network predicts; equal to `in_channels` for denoising."""
    width: Whole = Field(128, ge=4, le=1024)
    """Feature channels C of every convolution in the two branches (paper: 128)."""
    blocks: Whole = Field(9, ge=1, le=32)
    """Dilated residual blocks M per branch (paper: 9)."""
    dims: Annotated[Literal[2, 3], BeforeValidator(whole)] = 2
    """2: every plane is its own image; 3: each plane is denoised with `z_context` planes on
    either side along the `along` axis (2.5-D network, `model.network3d`). Model files from
    before this field are 2-D."""
    z_context: Whole = Field(1, ge=1, le=4)
    """3-D only: planes of context on each side of the plane being denoised."""
    z_step: Whole = Field(1, ge=1, le=8)
    """3-D only: spacing of the context planes (above 1 when the noise is correlated along the
    third axis: the network then never sees the planes right next to its own)."""
    along: Annotated[Literal["Z", "T"], BeforeValidator(raised)] = "Z"
    """3-D only: the third axis: Z for z-stacks, T for time-lapses."""


class TrainingConfig(_Strict):
    """Random sub-samples generation (RSG) training with the cyclic sampling-difference loss."""

    steps: Whole = Field(600, ge=1, le=10_000_000)
    """Optimiser steps."""
    steps_without_student: Whole | None = Field(None, ge=1, le=10_000_000)
    """Steps of a first training that distils no student (correlated noise, `student=False`)
    when `steps` was not given: the time the student would have taken goes to the teacher
    (`fast`: 500 instead of 250), or the teacher alone needs more steps (`paper`: 2000 instead
    of 1000, measured at stride 2; at stride 1 1000 scored higher on 7 of 8 FMD types, so
    `student=False` there may want ``steps=1000``). None: `steps`. The model's config then
    records the steps that ran."""
    batch_size: Whole = Field(8, ge=1, le=4096)
    """Patches per step."""
    patch_size: Whole = Field(96, ge=8, le=4096)
    """Edge of the square training patches, in pixels; a multiple of `stride`."""
    stride: Whole = Field(2, ge=1, le=8)
    """RSG cell edge s: each s x s cell is shuffled into s*s sub-images (1 = plain blind-spot)."""
    learning_rate: Real = Field(5e-4, gt=0, le=1.0)
    """Peak Adam learning rate."""
    lr_schedule: Annotated[Literal["cosine", "constant"], BeforeValidator(lowered)] = "cosine"
    """Cosine decay to 2 % of the peak after a short warm-up, or a constant rate."""
    warmup_steps: Whole = Field(20, ge=0)
    """Linear warm-up steps."""
    loss: Annotated[Literal["l1", "l2"], BeforeValidator(lowered)] = "l1"
    """Per-pair loss of the cyclic sum: L1 (paper) or L2 (better for low photon counts)."""
    augment: Flag = True
    """Random 8-fold dihedral augmentation (flips and 90 degree rotations) of each patch."""
    frames: Flag = False
    """The planes are repeated frames of one unchanging view (along T, else Z; or a list of
    single-plane images of one shape): the noise behind the output blur of a model trained
    for correlated noise is read from the differences of consecutive frames, and blurs up to
    3 px are tried (`api.frames`). Off: read from each frame alone, which reads smooth images
    with broadly correlated noise low. Frames that differ (motion, bleaching) read it high."""
    noise_std: Real | None = Field(None, ge=0.0, le=LEVEL_MAX, allow_inf_nan=False)
    """The noise's standard deviation, in the image's units (at `noise_offset` when
    `noise_gain` is set: a camera's read noise), when it is known, e.g. from the camera's
    calibration; every channel alike. None (default): read from the noisy data when training
    ends. Given, the detail restore and the output blur use it instead of that reading, which
    takes texture for noise and reads smooth images with broadly correlated noise low
    (`infer.known`; measured: docs/benchmarks.md, "A known noise level"). 3-D models, which
    have neither, do not use it."""
    noise_gain: Real = Field(0.0, ge=0.0, le=LEVEL_MAX, allow_inf_nan=False)
    """With `noise_std`: the noise variance grows by this much per unit of intensity above
    `noise_offset` (Poisson noise: the camera's gain in image units per photoelectron)."""
    noise_offset: Real = Field(0.0, ge=-LEVEL_MAX, le=LEVEL_MAX, allow_inf_nan=False)
    """With `noise_gain`: the intensity of no signal (the camera's offset or baseline)."""
    whiten: Flag = True
    """With the stride chosen automatically (2-D models): noise correlated along one axis only,
    decaying with the lag as a scanner's detector bandwidth makes it, is whitened along that
    axis and the model trains at stride 1 on the whitened image; its output is coloured back
    (`infer.whiten`, `InferenceConfig.whiten_axis`). Off, or with a known noise level
    (`noise_std`, which describes the recorded noise, not the whitened one): such noise gets a
    pixel-shuffle stride, as any correlated noise."""
    precision: Annotated[
        Literal["auto", "float32", "bfloat16"], BeforeValidator(lowered)] = "auto"
    """Arithmetic of the training steps, teacher and student: `auto` is bfloat16 autocast
    (weights and optimiser in float32) where the device computes bf16 natively (CUDA; CPUs with
    AVX512-BF16 or AMX: about 1.8x faster steps), float32 elsewhere. Inference on a CPU is
    always float32."""

    @model_validator(mode="after")
    def _check(self) -> TrainingConfig:
        if self.noise_std is None and (self.noise_gain or self.noise_offset):
            raise ValueError(f"noise_gain and noise_offset describe a known noise level, which "
                             f"needs noise_std as well (got noise_gain {self.noise_gain}, "
                             f"noise_offset {self.noise_offset}, no noise_std); give "
                             f"noise_std (the read noise; 0 for pure Poisson noise)")
        if self.noise_std == 0.0 and self.noise_gain == 0.0:
            raise ValueError("noise_std 0 with no noise_gain says the image has no noise; give "
                             "the noise's standard deviation, or leave noise_std unset to read "
                             "it from the data")
        return self


class NormalizationConfig(_Strict):
    """Robust percentile normalisation, computed once and stored in the model."""

    low_percentile: Real = Field(0.5, ge=0.0, lt=50.0)
    """Maps to 0."""
    high_percentile: Real = Field(99.8, gt=50.0, le=100.0)
    """Maps to 1."""
    sample_pixels: Whole = Field(4_000_000, ge=1000)
    """Pixels read (in whole planes or chunks) to estimate the percentiles of a large array."""


class InferenceConfig(_Strict):
    """How the trained network is applied."""

    mode: Annotated[
        Literal["auto", "student", "sdap", "sdap_e", "bsn"], BeforeValidator(lowered)] = "auto"
    """`student`: the distilled non-blind network; `sdap`: one pixel-shuffle pass of the
    blind-spot teacher; `sdap_e`: plus one full-resolution pass; `bsn`: stride 1; `auto`:
    `student` when the model has one, else `bsn` for a model trained at stride 1, else
    `sdap_e` (`sdap` for 3-D models)."""
    pd_stride: Whole = Field(2, ge=1, le=8)
    """Pixel-shuffle stride of the `sdap` pass (paper: 2)."""
    restore_detail: Flag = True
    """Give back the detail the blind-spot network smoothed away: a local Wiener blend of the
    input where the residual exceeds the noise measured when training ended (`infer.refine`;
    models without a measured noise curve use the network output alone)."""
    whiten_axis: Annotated[Literal["X", "Y"] | None, BeforeValidator(raised)] = None
    """The axis along which the model's input is whitened and its output coloured back
    (`TrainingConfig.whiten`, `infer.whiten`); None: neither. Set by training."""
    whiten_coef: Real = Field(0.0, ge=0.0, le=0.9)
    """The AR(1) coefficient of the noise along `whiten_axis`."""
    flips: Flips = 1
    """Denoise the image in this many orientations (flips and quarter turns, each with its
    detail restore) and average the results turned back (self-ensemble, `passes.run_flips`):
    each costs one more inference; 1 is off. Measured gains: docs/benchmarks.md."""

    @model_validator(mode="after")
    def _check(self) -> InferenceConfig:
        if (self.whiten_axis is None) != (self.whiten_coef == 0.0):
            raise ValueError(f"whiten_axis and whiten_coef go together: an axis with a "
                             f"coefficient above 0, or neither (got {self.whiten_axis!r}, "
                             f"{self.whiten_coef}); leave both to training")
        return self


class TilingConfig(_Strict):
    """Tiled, streamed inference."""

    tile: Whole | None = Field(None, ge=16, le=65536)
    """Tile edge in pixels (without halo); None picks it from the device memory."""
    batch_tiles: Whole = Field(4, ge=1, le=256)
    """Tiles sent through the network together."""
    read_workers: Whole = Field(2, ge=0, le=64)
    """Threads reading and decompressing the next tiles while the device computes."""
    write_workers: Whole = Field(4, ge=1, le=64)
    """Threads compressing and writing finished tiles; tiles that share a stored chunk of the
    output are written one after the other (`infer.writer`). 4 against 1: zarr -> zarr on a GPU
    +20 % with the automatic tile, +73 % with 1024-pixel tiles (docs/benchmarks.md)."""
    compile: Flag = False
    """Use torch.compile for the network (CUDA only)."""


class StudentConfig(_Strict):
    """The student distilled from the blind-spot teacher after training (`model.student`)."""

    student: Annotated[bool | Literal["auto"], BeforeValidator(flag_or_auto)] = "auto"
    """Distil a student at the end of training (`mode="auto"` then denoises with it): `True`,
    `False`, or `auto`: for models trained at stride 1 (noise independent per pixel), where it
    measured +0.07 to +0.60 dB over its teacher on real microscopy; not for spatially
    correlated noise, where it measured down to -0.46 dB (docs/benchmarks.md). The same for
    3-D models, whose student reads the teacher's planes (`model.student`)."""
    student_width: Whole = Field(32, ge=4, le=512)
    """Feature channels of the student's convolutions."""
    student_dilations: list[Whole] = Field(default_factory=lambda: [1, 2, 3, 4, 3, 2, 1],
                                         min_length=1, max_length=32)
    """Dilation of each residual 3x3 layer (receptive-field radius 2 + their sum)."""
    student_steps: Whole = Field(500, ge=1, le=10_000_000)
    """Optimiser steps of the distillation."""
    student_batch: Whole = Field(8, ge=1, le=4096)
    """Patches per distillation step."""
    student_patch: Whole = Field(64, ge=16, le=4096)
    """Edge of the distillation patches, in pixels."""
    student_lr: Real = Field(2e-3, gt=0, le=1.0)
    """Peak Adam learning rate of the distillation (cosine decay, L1 loss)."""
    target_pixels: Whole = Field(1_000_000, ge=4096)
    """Pixels of the training images the teacher denoises as the student's targets."""
    target_flips: Flips = 1
    """Average the teacher over this many flips/rotations of each target window (as
    `inference.flips` does at inference)."""
    target_blur: Annotated[float | Literal["auto"], BeforeValidator(real_or_auto)] = 0.0
    """A Gaussian blur of the student's targets, as its standard deviation in pixels (0, the
    default: none), or `auto`: the blur of 0.5-1.2 px that Stein's unbiased estimate from the
    noisy data says lowers the targets' error significantly, else none (`infer.smoothing`;
    2-D models trained at stride 1, as `student_check`; others get none). For data with a few
    photons per pixel: on strong-noise proxies `auto` gained +0.11 to +1.45 dB (mean +0.58);
    on FMD frames it measured -0.35 to +0.11 dB, so it is not the default (docs/benchmarks.md,
    "Target blur"). The teacher's own modes are never blurred."""
    student_check: Flag = True
    """Compare the student with its teacher on pixels held out of its training (an estimate of
    both errors from the noisy data, Stein's unbiased risk estimate, `infer.risk`; 2-D models
    trained at stride 1, noise independent per pixel; others are never checked): one estimated
    worse by more than a standard error trains a second round of as many steps, and is dropped
    if then worse by more than three (`api.distillation`). `False`: the estimate is only
    recorded (`record.student_check`)."""

    @model_validator(mode="after")
    def _check(self) -> StudentConfig:
        if any(d < 1 or d > 64 for d in self.student_dilations):
            raise ValueError(f"student_dilations must be integers 1..64 (got "
                             f"{self.student_dilations})")
        if self.target_blur != "auto" and not 0.0 <= self.target_blur <= 3.0:
            raise ValueError(f"target_blur must be 'auto' or a standard deviation of 0-3 "
                             f"pixels (got {self.target_blur})")
        return self


def wants_student(cfg: SDAPConfig) -> bool:
    """Whether training `cfg` ends with the student's distillation."""
    s = cfg.student.student
    return s is True or (s == "auto" and cfg.training.stride == 1)


class SDAPConfig(_Strict):
    """Everything that defines a napari-sdap model and how it is trained and applied."""

    network: NetworkConfig = Field(default_factory=NetworkConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    normalization: NormalizationConfig = Field(default_factory=NormalizationConfig)
    inference: InferenceConfig = Field(default_factory=InferenceConfig)
    tiling: TilingConfig = Field(default_factory=TilingConfig)
    student: StudentConfig = Field(default_factory=StudentConfig)
    channel_mode: Annotated[
        Literal["auto", "joint", "independent"], BeforeValidator(lowered)] = "auto"
    """`joint`: channels enter the network together (RGB); `independent`: each channel is its own
    gray image with its own normalisation (fluorescence); `auto`: joint for an interleaved last
    channel axis of 3 or 4 (RGB), independent otherwise."""
    device: str = "auto"
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps`."""
    seed: Whole = Field(0, ge=0, le=2**32 - 1)
    """Seed of weight initialisation, patch sampling and RSG permutations."""

    @model_validator(mode="after")
    def _check(self) -> SDAPConfig:
        t = self.training
        if t.stride < 1:  # (a section made without its checks, `model_copy(update=...)`,
            # assigned to a config: a ZeroDivisionError below)
            raise ValueError(f"training.stride must be at least 1 (got {t.stride}); give "
                             f"stride=1..8 (1: noise independent per pixel)")
        if t.patch_size % t.stride:
            raise ValueError(
                f"training.patch_size must be a multiple of training.stride "
                f"(got {t.patch_size} and {t.stride}); use {t.patch_size - t.patch_size % t.stride}"
            )
        if t.patch_size // t.stride < 4:
            raise ValueError(
                f"training.patch_size / training.stride must be at least 4 sub-image pixels "
                f"(got {t.patch_size} / {t.stride}); use a patch of {4 * t.stride} or more"
            )
        if self.network.in_channels != self.network.out_channels:
            raise ValueError(
                f"network.out_channels must equal network.in_channels for denoising "
                f"(got {self.network.out_channels} and {self.network.in_channels})"
            )
        return self
