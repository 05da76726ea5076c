"""`SDAPModel`: a blind-spot network plus the config, normalisation and record that belong to it."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import torch

from napari_sdap.api import denoising, model_name, writing
from napari_sdap.api.training_record import TrainingRecord, software_versions
from napari_sdap.config import SDAPConfig
from napari_sdap.errors import InputError
from napari_sdap.infer.known import known_noise
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.passes import resolve_mode
from napari_sdap.infer.planes import DenoiseStep
from napari_sdap.infer.refine import Refine
from napari_sdap.infer.whiten import Whitening
from napari_sdap.kinds import lowered
from napari_sdap.model.checks import STUDENT_PREFIX, StudentShape
from napari_sdap.model.files import write_model_file
from napari_sdap.model.network import BlindSpotNet
from napari_sdap.model.network3d import network_for
from napari_sdap.model.normalize import Normalization
from napari_sdap.model.seeding import seeded
from napari_sdap.model.student import StudentNet
from napari_sdap.paths import sha256_file
from napari_sdap.presets import config_from_preset

__all__ = ["SDAPModel", "TrainingRecord", "create_model"]

log = logging.getLogger(__name__)


def build_network(config: SDAPConfig, seed: int | None = None) -> BlindSpotNet:
    """A freshly initialised network for `config` (seeded: same seed, same weights)."""
    with seeded(config.seed if seed is None else seed):  # (not disturbed by other threads)
        return network_for(config.network)


class SDAPModel:
    """A napari-sdap denoiser. Create with `create_model`, `train` or `load_model`."""

    def __init__(self, config: SDAPConfig, network: BlindSpotNet | None = None,
                 normalization: Normalization | None = None,
                 record: TrainingRecord | None = None,
                 noise_curve: NoiseCurve | None = None,
                 student: StudentNet | None = None) -> None:
        from napari_sdap.api.model_state import check_config

        check_config(config, "config", "make one with "
                     "config_from_preset(preset, channels, **settings), or the model with "
                     "create_model(preset, channels, **settings)")
        self.config = config
        self.network = network if network is not None else build_network(config)
        self.normalization = normalization
        self.record = record or TrainingRecord(seed=config.seed, versions=software_versions())
        self.noise_curve = noise_curve
        """Noise variance against intensity, measured when training ended (detail restore)."""
        self.student = student
        """The non-blind network distilled from the blind-spot teacher (`model.student`)."""
        self.source: tuple[str, str] | None = None
        """(file name, SHA-256) of the model file this model was loaded from or last saved to,
        while it is unchanged since (training clears it); recorded with every output."""
        self.loaded_from: Path | None = None
        """The model file or package `load_model` read this model from (links resolved); a
        package exported over it is refused, as every writer refuses to replace its input."""

    def check_state(self, action: str, training: bool = True) -> None:
        """Refuse a model that cannot `action` as it is, naming the fix (`api.model_state`)."""
        from napari_sdap.api.model_state import check_state

        check_state(self, action, training)

    def describe_detail(self) -> str:
        """One line for users: whether the detail restore is used, and the noise it measured."""
        if self.config.network.dims == 3:
            from napari_sdap.api.volume_bias import describe_volume_bias

            return ("detail restore: not used by 3-D models (the noise curve is measured for "
                    f"2-D models only); the network output is used as is"
                    f"{describe_volume_bias(self)}")
        if self.noise_curve is None or self.normalization is None:
            return ("detail restore: no noise curve (untrained model, or a file saved by an "
                    "earlier napari-sdap: train on for a few steps to measure it); the network "
                    "output is used as is")
        state = "on" if self.config.inference.restore_detail else "off (restore_detail=False)"
        scales = [self.normalization.scale(g)[1] for g in range(len(self.normalization.low))]
        c = self.noise_curve
        gate = (f"threshold {c.threshold:g}, strength {c.strength:.2f}" if c.strength > 0 else
                f"threshold {c.threshold:g}, strength 0: no gain measured on held-out pixels, "
                "so no detail is restored")  # (a blur or mix of the output may follow)
        from napari_sdap.api.noise_curve import describe_reach

        gate += describe_reach(c, self.config.training.stride)
        bias = ""
        if c.offset is not None:  # on the network's scale: in the image's units per channel
            shifts = [v * scales[g] for g, per_ch in enumerate(c.offset) for v in per_ch]
            bias = ("; bias correction of the blind-spot output (image units, per channel): "
                    + ", ".join(f"{v:+.3g}" for v in shifts))
        smooth = c.describe_output(self.record.output_blur, self.record.output_mix)
        if smooth and not self.config.inference.restore_detail:  # (`refine`: none without it)
            smooth = "; with the restore on only" + smooth.replace("; then", ", then", 1)
        given = known_noise(self.config.training)
        noise = c.summary(scales) + (f" (given: {given.describe()})" if given else "")
        return f"detail restore {state}: {noise}, {gate}{bias}{smooth}"

    def refine(self, detail: bool | None = None, mode: str | None = None) -> Refine | None:
        """The steps around the network: outlier repair, and the detail restore when on; None
        when the noise was never measured (untrained, or a file from an earlier napari-sdap).

        `detail`: True / False for this call, None for `config.inference.restore_detail`. The
        student (`mode="student"`) learned the restored (and bias-corrected) output: it gets
        the repair only. The curve's output blur and mix go with the mode they were chosen for
        (`NoiseCurve.blur_mode`; not with `mode=None`), and only with the restore on."""
        if self.config.network.dims == 3:  # (no curve: the bias correction alone)
            from napari_sdap.api.volume_bias import volume_shift

            return volume_shift(self, mode)
        if self.noise_curve is None:
            return None
        on = bool(self.config.inference.restore_detail if detail is None else detail)
        c = self.noise_curve
        last = ({k: getattr(c, k) for k in ("blur", "colour_blur", "mix", "mix_blur", "mix_guard")}
                if on and mode is not None and mode == c.blur_mode else {})  # chosen for `mode`
        return Refine(c, detail=on and mode != "student", calibrate=mode != "student", **last)

    @property
    def whitening(self) -> Whitening | None:
        """The whitening of noise correlated along one axis (`infer.whiten`; None: none)."""
        i = self.config.inference
        return None if i.whiten_axis is None else Whitening(i.whiten_axis, i.whiten_coef)

    def net(self, mode: str) -> torch.nn.Module:
        """The network that runs `mode` (a resolved mode): the student or the teacher."""
        if mode == "student":
            if self.student is None:
                raise InputError("this model has no student; use mode 'sdap_e', 'sdap' or 'bsn'")
            return self.student
        return self.network

    def __copy__(self) -> SDAPModel:
        """A model of its own, as `copy.deepcopy` gives: a shallow copy shared the network and
        the record with this one, so training either changed both (the other still naming its
        file as `source`), and trained both at once (two optimisers on one network)."""
        return copy.deepcopy(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> SDAPModel:
        """Taken between two steps of a training of this model (one in another thread)."""
        from napari_sdap.api.open_training import step_lock

        new = type(self).__new__(type(self))
        memo[id(self)] = new
        with step_lock(self):
            for key, value in self.__dict__.items():
                setattr(new, key, copy.deepcopy(value, memo))
        return new

    def __repr__(self) -> str:
        n = self.config.network
        state = f"trained {self.record.steps} steps" if self.record.steps else "untrained"
        groups = len(self.normalization.low) if self.normalization is not None else 1
        channels = (f"{groups} independent" if groups > 1 else  # (a model of CYX channels,
                    str(n.in_channels))  # each on its own: its network takes 1, which said 1)
        dims = f", 3-D along {n.along}" if n.dims == 3 else ""
        return (f"SDAPModel(preset={n.preset!r}, channels={channels}{dims}, width={n.width}, "
                f"blocks={n.blocks}, stride={self.config.training.stride}, {state}"
                + (f", student {self.record.student_steps} steps" if self.student else "") + ")")

    @property
    def parameters(self) -> int:
        """Number of network parameters."""
        return sum(p.numel() for p in self.network.parameters())

    def resolve_mode(self, mode: str = "auto") -> str:
        """The inference mode `mode` stands for with this model."""
        mode = lowered(mode)  # ("AUTO" is auto: it follows config.inference.mode too)
        if mode == "auto":
            mode = self.config.inference.mode
            if mode == "student" and self.student is None:  # (dropped by hand, or so saved)
                log.warning("this model is set to denoise with its student (config.inference."
                            "mode 'student') but has none: it denoises with mode 'auto' (the "
                            "blind-spot network); set model.config.inference.mode = 'auto'")
                mode = "auto"
        return resolve_mode(mode, self.config.training.stride, self.student is not None,
                            volume=self.config.network.dims == 3)

    def iter_denoise(self, image: Any, out: Any, axes: str | None = None, *, mode: str = "auto",
                     device: str = "auto", tile: int | None = None,
                     detail: bool | None = None, compile: bool | None = None,
                     flips: int | None = None) -> Iterator[DenoiseStep]:
        """Denoise `image` into the same-shaped array `out` tile by tile, yielding progress.

        `image`: numpy, dask, zarr array, `ImageSource` or path; `out`: any writable array of the
        same shape (numpy, zarr, `OutputSink.array`); results are cast to `out.dtype` (integers
        rounded and clipped). Stop by closing the generator (or leaving the loop) between tiles.
        The run uses the model as it is at its first step (a copy: a training meanwhile does
        not change it)."""
        yield from denoising.iter_denoise(self, image, out, axes, mode=mode, device=device,
                                          tile=tile, detail=detail, compile=compile,
                                          flips=flips)

    def iter_denoise_to(self, image: Any, output: Any, axes: str | None = None, *,
                        mode: str = "auto", device: str = "auto", tile: int | None = None,
                        dtype: Any = None, overwrite: bool = False, detail: bool | None = None,
                        compile: bool | None = None, flips: int | None = None
                        ) -> Generator[DenoiseStep, None, Path | None]:
        """Denoise into a new `output` file tile by tile, yielding progress (stoppable).

        The file appears only after the last tile; closing the generator early (or an error)
        leaves nothing behind. See `denoise` for the arguments.
        """
        return (yield from writing.iter_denoise_to(
            self, image, output, axes, mode=mode, device=device, tile=tile, dtype=dtype,
            overwrite=overwrite, detail=detail, compile=compile, flips=flips))

    def denoise(self, image: Any, axes: str | None = None, *, mode: str = "auto",
                device: str = "auto", tile: int | None = None, output: Any = None,
                lazy: bool = False, dtype: Any = None, overwrite: bool = False,
                detail: bool | None = None, compile: bool | None = None,
                flips: int | None = None) -> Any:
        """Denoise an image of any supported axes, tile by tile (never loading it whole).

        Parameters
        ----------
        image : numpy, dask or zarr array, torch tensor, xarray DataArray, `ImageSource`, or
            path (.tif, .zarr, .ome.zarr, an array in a zarr group, .npy, .png, .jpg)
        axes : axes letters (`STCZYX`); default from the file or guessed for 2-D/3-D arrays.
        mode : `auto`, `student`, `sdap`, `sdap_e` or `bsn`.
        device : `auto`, `cpu`, `cuda`, `cuda:N` or `mps`.
        tile : tile edge in pixels without halo; None = `config.tiling.tile` or automatic.
        output : path (.zarr, .ome.zarr, .tif) written tile by tile and returned opened lazily,
            or a zarr array of the image's shape to write into (returned).
        lazy : return a dask array computed tile by tile when read (exact like the others).
        dtype : None (float32), "input" (the input dtype: integers rounded half to even and
            clipped to the dtype's range) or any numeric dtype (float16: clipped to +-65504).
        overwrite : replace an existing `output` path once the new output is complete.
        detail : apply the detail restore (True / False) for this call; None follows
            `config.inference.restore_detail` (on by default). Needs a trained model.
        compile : torch.compile the network for this call (CUDA; the output differs only by
            float rounding); None follows `config.tiling.compile`.
        flips : denoise in 1 (off), 2, 4 or 8 orientations (flips and quarter turns) and
            average the results, each one more inference (a little less noise and fewer
            orientation artefacts; docs/method.md); None follows `config.inference.flips`.

        Returns
        -------
        numpy array (default), the written output (zarr array), or a dask array (`lazy=True`).
        """
        return denoising.denoise(self, image, axes, mode=mode, device=device, tile=tile,
                                 output=output, lazy=lazy, dtype=dtype, overwrite=overwrite,
                                 detail=detail, compile=compile, flips=flips)

    def save(self, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Write the model as a safetensors file with its JSON description (atomically).

        An existing file is an `OutputError` unless `overwrite=True`; it is then replaced only
        once the new file is complete. If writing fails (disk full, ...) the old file is kept,
        no temporary is left, and this model stays usable: save it again elsewhere. A name
        that ends like an image (`model.tif`) is refused (`model_name.check_model_name`)."""
        given, path = path, model_name.model_path(path)
        model_name.check_model_name(given)
        self.check_state("be saved")
        meta = {
            "config": self.config.model_dump(mode="json"),
            "normalization": (self.normalization.model_dump(exclude_none=True)
                              if self.normalization else None),
            "record": self.record.model_dump(mode="json"),
            "noise_curve": self.noise_curve.model_dump() if self.noise_curve else None,
            "student": StudentShape.meta(self.student),
        }
        tensors = dict(self.network.state_dict())
        if self.student is not None:
            tensors.update({STUDENT_PREFIX + k: v for k, v in self.student.state_dict().items()})
        written = write_model_file(path, tensors, meta, overwrite=overwrite)
        self.source = (written.name, sha256_file(written))
        return written

    def export_bmz(self, path: str | os.PathLike[str], *, name: str | None = None,
                   description: str | None = None, authors: Any = None, license: str = "MIT",
                   cite: Any = None, sample: Any = None, axes: str | None = None,
                   mode: str = "auto", overwrite: bool = False) -> Path:
        """Write a bioimage.io model package (zip) that runs without napari-sdap; `sample`
        (array or path, with `axes`) gives its test tensors and cover. See docs/bmz.md."""
        from napari_sdap.api.bmz.export import export_bmz

        self.check_state("be exported")
        return export_bmz(self, model_name.model_path(path), name=name, description=description,
                          authors=authors, license=license, cite=cite, sample=sample, axes=axes,
                          mode=mode, overwrite=overwrite)


def create_model(preset: str = "fast", channels: int = 1, **overrides: Any) -> SDAPModel:
    """An untrained model from a preset (`paper`, `fast`, `tiny`) and config-field overrides."""
    return SDAPModel(config_from_preset(preset, channels, **overrides))
