"""Whether a model can be used, saved or exported as it is, checked before the work.

A model is an ordinary Python object: its config can be edited by hand (and pydantic keeps an
assigned value it rejected), its networks cast to half precision or rebuilt, its training left
open in a generator. Each of these gave a raw torch or pydantic error in the middle of a run, or
a saved file that could not be loaded again; here they are refused first, naming the fix.
"""

from __future__ import annotations

from typing import Any

import torch
from pydantic import BaseModel, ValidationError

from napari_sdap.api.open_training import check_not_training
from napari_sdap.config import SDAPConfig
from napari_sdap.errors import ConfigError
from napari_sdap.model.checks import weight_layout
from napari_sdap.presets import to_config_error

__all__ = ["check_config", "check_state"]


def check_state(model: Any, action: str, training: bool = True) -> None:
    """Refuse `model` where it cannot `action`: a config edited into invalid settings,
    weights no longer float32, and with `training` (saving, exporting) a network of another
    shape than its config says or a training still open."""
    check_config(model.config, "model.config", "set it back, e.g. from the model file "
                 "(load_model)")
    for name in ("normalization", "noise_curve"):  # pydantic models, edited without checks
        _check_part(model, name)
    nets = [("network", model.network)] + ([("student", model.student)]
                                           if model.student is not None else [])
    for name, net in nets:
        bad = sorted({str(p.dtype).removeprefix("torch.") for p in net.parameters()
                      if p.dtype != torch.float32})
        if bad:
            raise ConfigError(f"the {name}'s weights are {', '.join(bad)}; napari-sdap keeps "
                              f"them in float32 (and computes in bfloat16 itself where the "
                              f"device does so natively): call model.{name}.float()")
        with torch.no_grad():
            finite = all(bool(torch.isfinite(p).all()) for p in net.parameters())
        if not finite:
            raise ConfigError(f"the {name}'s weights hold NaN or infinite values (set by hand, "
                              f"or a training that diverged), so every output would be NaN; "
                              f"load the model file again or train a new model")
    if training:
        n = model.config.network  # the layout a model file is checked against when loaded
        wanted = weight_layout(n.in_channels, n.out_channels, n.width, n.blocks,
                               n.z_context if n.dims == 3 else 0)
        shapes = {k: tuple(v.shape) for k, v in model.network.state_dict().items()}
        if shapes != {k: shape for k, (shape, _) in wanted.items()}:
            raise ConfigError("the network no longer matches model.config.network (its width, "
                              "blocks or channels were changed by hand); set them back, or "
                              "train a new model with the new settings")
        check_not_training(model, action)


def check_config(config: Any, name: str = "config", fix: str = "make one with "
                 "config_from_preset(preset, channels, **settings)") -> None:
    """Refuse `config` (called `name`) where it is not an `SDAPConfig` holding valid settings:
    another object, or one edited with `model_copy(update=...)`, which pydantic does not
    check."""
    if not isinstance(config, SDAPConfig):
        raise ConfigError(f"{name} must be an SDAPConfig (got {type(config).__name__}); {fix}")
    _check_sections(config, name)
    try:
        SDAPConfig.model_validate(config.model_dump())
    except ValidationError as err:
        raise to_config_error(err) from None


def _check_sections(config: SDAPConfig, name: str) -> None:
    """Refuse a section of `config` that is not its settings class: `model_copy(update=...)`
    keeps what it is given unchecked, so `{'inference': {'mode': 'bsn'}}` put a dict there (a
    raw AttributeError later, and every other inference setting lost)."""
    for part, field in SDAPConfig.model_fields.items():
        kind, value = field.annotation, getattr(config, part)
        if isinstance(kind, type) and issubclass(kind, BaseModel) and not isinstance(value, kind):
            raise ConfigError(
                f"{name}.{part} must be {kind.__name__} settings, not a "
                f"{type(value).__name__} (model_copy(update=...) takes values unchecked, and "
                f"a dict would replace the whole section); set the field itself, e.g. "
                f"{name}.{part}.<field> = value, or update the section: {name}.{part} = "
                f"{name}.{part}.model_copy(update={{...}}) (or load_model again)")


def _check_part(model: Any, name: str) -> None:
    """Refuse `model.<name>` (its normalisation or noise curve) edited into values its own
    checks refuse (NaN, low above high, ...): every output would be NaN or on another scale."""
    part = getattr(model, name)
    if part is None:
        return
    try:
        type(part).model_validate(part.model_dump())
    except ValidationError as err:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or name}: "
                          f"{e['msg'].removeprefix('Value error, ')}" for e in err.errors())
        raise ConfigError(f"model.{name} holds values it cannot have ({where}), set by hand, "
                          f"so the output would be NaN or on another intensity scale; load the "
                          f"model file again (load_model) or train a new model") from None
