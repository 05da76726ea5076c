"""Flags are real bools and counts real integers (numpy's too), in every settings front door:
flat overrides (train, create_model), the denoise call's own flags, and the model files
saved before (JSON bools and integers), which still load."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.errors import ConfigError, InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "student": False}


@pytest.mark.parametrize(("key", "value", "words"), [
    ("compile", "no", "True or False"),  # (pydantic read "no" right, "yes"/"1"/1 as True)
    ("compile", 1, "True or False"),
    ("augment", "false", "True or False"),
    ("student_check", 0, "True or False"),
    ("student", "yes", "True, False or 'auto'"),
    ("steps", True, "whole number"),  # (trained one step)
    ("steps", 3.0, "give 3"),
    ("width", 8.5, "whole number"),
    ("flips", 2.0, "whole number"),  # (flips=True was refused, 2.0 taken)
    ("flips", True, "whole number"),
    ("target_flips", 4.0, "whole number"),
    ("dims", True, "whole number"),
    ("student_dilations", [1, 2.0], "whole number"),
    ("learning_rate", True, "number"),
    ("learning_rate", "1e-3", "not in quotes"),
    ("target_blur", True, "number"),
    ("learning_rate", float("nan"), "finite"),  # (named by its range before)
    ("noise_std", float("inf"), "finite"),
    ("seed", 1.0, "whole number"),
])
def test_loose_setting_is_refused_naming_value_and_rule(key, value, words):
    """Regression: pydantic's coercion took compile="no"/1, steps=True (1 step), student="yes",
    flips=2.0, learning_rate=True as settings; each is a ConfigError naming the field, the
    value given and the kind it must be."""
    from napari_sdap import create_model

    with pytest.raises(ConfigError) as err:
        create_model("tiny", **{key: value})
    msg = str(err.value)
    shown = value[-1] if isinstance(value, list) else value
    assert key in msg and repr(shown) in msg and words in msg


def test_train_refuses_steps_true_before_any_step(noisy_pair):
    from napari_sdap import train

    with pytest.raises(ConfigError, match=r"training\.steps: must be a whole number"):
        train(noisy_pair[1], "YX", steps=True, **TINY)


@pytest.mark.parametrize(("key", "value", "field"), [
    ("width", np.int64(8), ("network", "width")),
    ("flips", np.int32(4), ("inference", "flips")),
    ("student", np.bool_(False), ("student", "student")),
    ("student", "auto", ("student", "student")),
    ("compile", np.bool_(True), ("tiling", "compile")),
    ("learning_rate", np.float32(0.5), ("training", "learning_rate")),
    ("learning_rate", 1, ("training", "learning_rate")),
    ("noise_std", np.float64(2.0), ("training", "noise_std")),
    ("target_blur", "auto", ("student", "target_blur")),
    ("target_blur", 1, ("student", "target_blur")),
    ("tile", None, ("tiling", "tile")),
])
def test_numpy_and_plain_values_are_taken_as_python_values(key, value, field):
    from napari_sdap import create_model

    cfg = create_model("tiny", **{key: value}).config
    got = getattr(getattr(cfg, field[0]), field[1])
    assert got == value and type(got) in (int, float, bool, str, type(None))


def test_assigning_a_text_flag_to_the_config_is_refused():
    from pydantic import ValidationError

    from napari_sdap import create_model

    model = create_model("tiny")
    with pytest.raises(ValidationError, match="True or False"):
        model.config.inference.restore_detail = "no"
    assert model.config.inference.restore_detail is True


def test_saved_model_loads_and_trains_on(noisy_pair, tmp_path):
    """Model files hold JSON bools and integers: they load, and training continues."""
    from napari_sdap import load_model, train

    model = train(noisy_pair[1], "YX", steps=2, **TINY)
    model.save(tmp_path / "m.safetensors")
    again = load_model(tmp_path / "m.safetensors")
    assert again.config == model.config
    assert train(noisy_pair[1], "YX", steps=1, model=again).record.steps == 3


@pytest.mark.parametrize(("kw", "words"), [
    ({"compile": "no"}, "compile must be True, False or None"),  # (bool("no") compiled)
    ({"compile": 0}, "compile must be True, False or None"),
    ({"flips": 2.0}, "flips must be 1, 2, 4 or 8 as an integer"),
])
def test_denoise_call_flags_are_strict(noisy_pair, tmp_path, kw, words):
    """Regression: denoise(compile="no") compiled the network (bool("no")), flips=2.0 ran two
    flips; both are refused, in memory and into a file (nothing written)."""
    from napari_sdap import train

    model = train(noisy_pair[1], "YX", steps=2, **TINY)
    with pytest.raises(ConfigError, match=words):
        model.denoise(noisy_pair[1], "YX", **kw)
    with pytest.raises(ConfigError, match=words):
        model.denoise(noisy_pair[1], "YX", output=tmp_path / "out.tif", **kw)
    assert list(tmp_path.iterdir()) == []
    out = model.denoise(noisy_pair[1], "YX", flips=np.int64(2), compile=np.bool_(False))
    assert out.shape == noisy_pair[1].shape


@pytest.mark.parametrize(("name", "words"), [
    ("     ", "5 to 128 characters"),  # (taken: a name of spaces alone)
    ("ab   ", "5 to 128 characters"),
    (12345, "must be a text"),  # (taken as the name "12345")
])
def test_bmz_name_of_spaces_or_not_text_is_refused(name, words):
    from napari_sdap.api.bmz.describe import name_of

    with pytest.raises(InputError, match=words):
        name_of(name)
    assert name_of("  Nuclei denoiser ") == "Nuclei denoiser"


@pytest.mark.parametrize("dims", [2.0, 3.0, True, "3"])
def test_train_dims_must_be_2_3_or_auto(noisy_pair, dims):
    """Regression: train(dims=2.0) trained as dims=2 (3.0 as 3) where other counts refuse a
    float."""
    from napari_sdap import train

    with pytest.raises(ConfigError, match="dims must be 2, 3 or 'auto'"):
        train(noisy_pair[1], "YX", steps=1, dims=dims, **TINY)
    assert train(noisy_pair[1], "YX", steps=1, dims=np.int64(2), **TINY).config.network.dims == 2


@pytest.mark.parametrize("stride", [2, np.int64(2)])
def test_numpy_patch_and_stride_are_rounded_as_python_ints(noisy_pair, stride):
    """Regression: patch_size=np.int64(51) with stride 2 was a ConfigError ("a multiple of
    training.stride") where 51 is rounded to 50; create_model(stride=np.int64(5)) kept the
    preset's patch 48 (refused) where stride=5 rounds it to 45."""
    from napari_sdap import create_model, train

    model = train(noisy_pair[1], "YX", steps=1, patch_size=np.int64(51), stride=stride, **TINY)
    assert model.config.training.patch_size == 50
    assert create_model("tiny", stride=np.int64(5)).config.training.patch_size == 45
