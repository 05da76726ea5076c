"""Training a model further (`train(image, model=m)`): what may change, and on what data.

A model's network has the shape its settings gave it, and its weights learnt the intensity
scale of its first training data. Continuing with settings of another shape (width, blocks,
another preset or a 3-D network for a 2-D one) would leave a network that no longer matches its
own settings, which saves to a file that cannot be loaded; continuing on an image stored on
another intensity scale would retrain the network on values far outside those it learnt, and
wreck it (a loss 1000x higher after 20 steps). Both are refused before any step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from types import SimpleNamespace
from typing import Any

from napari_sdap.api.inputs import check_fits
from napari_sdap.api.intensity import check_intensity
from napari_sdap.api.modes import check_student_mode
from napari_sdap.api.patch_size import round_patch, with_patch
from napari_sdap.api.volume import check_dims
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.model.normalize import compute_normalization
from napari_sdap.presets import apply_overrides, check_seed

__all__ = ["check_continuation_data", "check_no_whitening", "check_same_network",
           "check_same_normalisation", "continue_settings", "dims_for", "kept_until_first_step",
           "noise_record", "seed_for"]


def continue_settings(model: Any, sources: list[tuple[Any, Any]], chosen: int | str, *,
                      steps: int | None, preset: str, dims: int | str, fresh: bool,
                      overrides: dict[str, Any], noise: Any, along: str | None = None) -> None:
    """Give `model` (an `SDAPModel` trained further, or an untrained one from `create_model`:
    `fresh`) the settings of this training, refusing those its network or data cannot take.
    `chosen`: the stride asked for or read from the noise ('auto': the model's own); `noise`:
    the `NoiseEstimate` of the data (or None), recorded for a fresh model."""
    view = sources[0][1]
    kept = model.config.training.stride if chosen == "auto" else chosen
    update = {"steps": steps, **({"stride": chosen} if chosen != "auto" else {}),
              **round_patch(overrides, kept)}
    config = with_patch(apply_overrides(model.config.model_dump(), **update), sources)
    check_same_network(model.config, config, preset, dims, along)
    if not fresh:
        check_same_normalisation(model.config, config)
    check_student_mode(config, given="mode" in overrides)
    model.config = config
    if fresh:  # an untrained model from create_model: first training sets its normalisation
        if view.channels != model.config.network.in_channels:
            raise InputError(
                f"the model takes {model.config.network.in_channels} joint channel(s) but the "
                f"image ({view.axes}, shape {view.shape}) gives {view.channels}; create the "
                f"model with channels={view.channels}")
        model.record.noise = noise_record(noise, model.config.training.loss)
        model.normalization = compute_normalization(sources, model.config.normalization,
                                                    model.config.seed)
    check_fits(model, view)
    if not fresh:
        check_continuation_data(model, sources)


def noise_record(noise: Any, loss: str) -> dict[str, Any] | None:
    """The noise estimate (a `NoiseEstimate` or None) for the model's record, naming the loss
    the model trains with (the estimate's own where it was not overridden or configured
    otherwise)."""
    return asdict(replace(noise, loss=loss)) if noise else None


def check_same_network(old: Any, new: Any, preset: str, dims: int | str,
                       along: str | None = None) -> None:
    """Refuse a continuation whose settings (`new`, an `SDAPConfig`, and the `preset`, `dims`
    and `along` asked for) would change the shape of the network of `old` (the model's
    config), or the channels it takes (`channel_mode`). `along` given (None: the model's) for a
    3-D model of the other axis was ignored (it trained along the model's)."""
    was, now = old.network.model_dump(), new.network.model_dump()
    changed = [f"{k}={now[k]!r} (the model's {was[k]!r})" for k in was if was[k] != now[k]]
    if preset not in ("auto", was["preset"]):
        changed.append(f"preset={preset!r} (the model's {was['preset']!r})")
    if dims in (2, 3) and was["dims"] != dims:
        changed.append(f"dims={dims} (the model's {was['dims']})")
    if along is not None and was["dims"] == 3 and was["along"] != along:
        changed.append(f"along={along!r} (the model's {was['along']!r})")
    if new.channel_mode != old.channel_mode:  # (its network takes the channels as trained: a
        # changed mode was kept in the settings, and the model refused its own images after)
        changed.append(f"channel_mode={new.channel_mode!r} (the model's {old.channel_mode!r})")
    if changed:
        raise ConfigError(
            f"{', '.join(changed)} cannot change when a model trains further: its network's "
            f"weights have the model's shape; leave them out to continue, or train a new model "
            f"(without model=) to change them")


def check_same_normalisation(old: Any, new: Any) -> None:
    """Refuse other normalisation settings (`new`, an `SDAPConfig`) for a trained model (`old`,
    its config): its normalisation was computed at its first training and is kept, so they
    were stored untrue (a rerun from an output's record would normalise otherwise)."""
    was, now = old.normalization.model_dump(), new.normalization.model_dump()
    changed = [f"{k}={now[k]!r} (the model's {was[k]!r})" for k in was if was[k] != now[k]]
    if changed:
        raise ConfigError(
            f"the normalisation settings ({', '.join(changed)}) cannot change when a model "
            f"trains further: its normalisation was computed at its first training and is "
            f"kept; leave them out to continue, or train a new model (without model=)")


def check_no_whitening(overrides: dict[str, Any]) -> None:
    """Refuse `whiten_axis` / `whiten_coef` given to a training: they were stored without the
    network learning the whitened image (a model trained further with them: 35.8 -> 26.8 dB)."""
    hand = sorted({"whiten_axis", "whiten_coef"} & overrides.keys())
    if hand:
        raise ConfigError(
            f"{' and '.join(hand)} cannot be given to a training: the whitening is set by the "
            f"noise analysis of a model's first training and its network learns the whitened "
            f"image (whiten=False turns it off); to set it by hand for a new model, "
            f"create_model(..., whiten_axis=..., whiten_coef=...) and train it (model=)")


def check_continuation_data(model: Any, sources: list[tuple[Any, Any]]) -> None:
    """Refuse (or warn about, in the log) training images far from the model's training data's
    intensity scale (`api.intensity`), as denoising does."""
    judged = _with_curve_noise(model)
    for array, view in sources:
        check_intensity(judged, array, view,
                        ("training further on it would wreck the network",
                         "training further on it may make the network worse"),
                        "; rescale it to the training data's scale, or train a new model on it "
                        "(without model=)")


def _with_curve_noise(model: Any) -> Any:
    """`model`, or for a model saved before its normalisation read the training data's noise
    (`Normalization.noise`, 5 December 2026) a stand-in whose normalisation takes it from the
    noise curve: the noise half of the intensity check was skipped for such models, so one
    trained on 0..255 was trained further on the same data as 0..1 (its median within the
    training range's span of it) without a word, and wrecked. Denoising has the output's trial
    (`api.output_level`); training further has none."""
    import math

    import numpy as np

    norm, curve = model.normalization, model.noise_curve
    if norm is None or norm.noise is not None or curve is None \
            or len(curve.variance) != len(norm.low):
        return model
    noise = [math.sqrt(max(float(np.median(np.ravel(curve.variance[g]))), 0.0))
             * norm.scale(g)[1] for g in range(len(norm.low))]
    return SimpleNamespace(normalization=norm.model_copy(update={"noise": noise}))


def seed_for(seed: Any, model: Any) -> int:
    """The seed of a training: `seed` (None: 0) for a new model (`model` None); a model trained
    further keeps its own, and another one given is refused (it would be recorded as the
    model's seed, which its earlier training did not use)."""
    seed = None if seed is None else check_seed(seed)
    if model is None:
        return 0 if seed is None else seed
    own = model.config.seed
    if seed is not None and seed != own:
        raise ConfigError(f"seed={seed} differs from the seed of the model trained further "
                          f"({own}): a model keeps the seed it was made with; leave seed out "
                          f"to continue, or train a new model (without model=) with seed={seed}")
    return own


def dims_for(dims: Any, model: Any) -> Any:
    """The `dims` of a training: `dims` (None: 2) for a new model (`model` None); a model
    trained further keeps its own, for None and "auto" (`check_same_network` refuses
    another)."""
    if model is None:
        return 2 if dims is None else dims
    dims = "auto" if dims is None else check_dims(dims)
    return model.config.network.dims if dims == "auto" else dims


def kept_until_first_step(training: Iterator[Any], model: Any) -> Iterator[Any]:
    """`training`'s records; where it ends in an error (a refusal) before its first record,
    `model` gets back what preparing it changed (its settings, normalisation, record, noise
    curve, student and the file it was loaded from): a training refused before any step (an
    image on another scale, a device that is not there, a validation band that does not fit)
    leaves the model as it was, not with the refused call's settings (another stride: another
    mode). Taken when `training` starts, after `open_training.tracked` claimed the model."""
    if model is None:
        yield from training
        return
    state = (model.config.model_copy(deep=True), model.normalization,
             model.record.model_copy(deep=True), model.noise_curve, model.student,
             model.source)
    started = False
    try:
        for rec in training:
            started = True
            yield rec
    except BaseException:
        if not started:
            (model.config, model.normalization, model.record, model.noise_curve,
             model.student, model.source) = state
        raise
    finally:
        training.close()  # (a stop reaches the training: its model is finished)
