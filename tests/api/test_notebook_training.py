"""A notebook user's edge cases of training (seventh round): numpy numbers as settings,
models edited by hand, a stack's dark planes, the student mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.errors import InputError


def test_numpy_integer_stride_trains_as_the_int(noisy_pair):
    """Regression: stride=np.int64(2) (from np.arange in a notebook loop) was refused as "must
    be 'auto' or an integer 1..8"; it trains exactly as stride=2."""
    from napari_sdap import train

    _, noisy = noisy_pair
    kw = {"preset": "tiny", "width": 8, "blocks": 1, "steps": 2, "student": False}
    numpy_stride = train(noisy, "YX", stride=np.int64(2), **kw)
    plain = train(noisy, "YX", stride=2, **kw)
    assert type(numpy_stride.config.training.stride) is int
    assert numpy_stride.config.training.stride == 2
    for (k, v), w in zip(numpy_stride.network.state_dict().items(),
                         plain.network.state_dict().values(), strict=True):
        assert torch.equal(v, w), k


@pytest.mark.parametrize(("part", "edit"), [
    ("normalization", lambda m: m.normalization.low.__setitem__(0, float("nan"))),
    ("normalization", lambda m: m.normalization.high.__setitem__(0, float("inf"))),
    ("normalization", lambda m: m.normalization.low.__setitem__(0, 1e6)),  # above high
    ("noise_curve", lambda m: m.noise_curve.variance[0][0].__setitem__(0, float("nan"))),
], ids=["low-nan", "high-inf", "low-above-high", "curve-nan"])
def test_normalisation_or_curve_edited_by_hand_is_refused(noisy_pair, part, edit):
    """Regression: a normalisation or noise curve edited into NaN (or low above high) denoised
    to an all-NaN image (or one off the intensity scale by 1e6) without a word, while saving
    such a model was refused; both are refused before any work, naming the part."""
    from napari_sdap import train
    from napari_sdap.errors import ConfigError

    _, noisy = noisy_pair
    model = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=2, stride=1,
                  student=False)
    assert model.noise_curve is not None
    edit(model)
    with pytest.raises(ConfigError, match=rf"model\.{part} holds values.*load the model file"):
        model.denoise(noisy)


def test_own_training_stack_with_dark_planes_is_not_refused():
    """Regression: a 16-bit z-stack whose first planes lie outside the sample (read noise of
    1.5 counts) and whose others reach 40000 counts was refused by the model trained on it
    ("its noise is 70x weaker than the noise the model was trained on"): the check compared
    each plane with the noise pooled over all planes at training; it pools the planes too."""
    from napari_sdap import train

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    cell = 40000 * (1 + np.sin(yy / 9) * np.cos(xx / 11)) / 2 + 50
    levels = [0.0, 0.0, 0.3, 1, 1, 1, 0.6, 0.2]
    stack = np.stack([rng.poisson(cell * v + 5) + rng.normal(100, 1.5, cell.shape)
                      for v in levels]).astype(np.uint16)
    model = train(stack, "ZYX", preset="tiny", width=8, blocks=1, steps=2, student=False)
    out = model.denoise(stack, axes="ZYX")
    assert out.shape == stack.shape and np.isfinite(out).all()
    with pytest.raises(InputError, match=r"noise is \d+x weaker"):  # on another scale
        model.denoise(stack / 1000.0, axes="ZYX")


@pytest.mark.parametrize("seconds", [np.int64(30), np.float32(30.0)])
def test_numpy_time_budget_is_taken(seconds):
    """Regression: time_budget=np.int64(30) or np.float32(30) (a value computed with numpy)
    was refused as "must be a positive number of seconds"."""
    from napari_sdap.presets import check_budget

    assert check_budget(seconds) == 30.0


def test_section_rule_message_does_not_print_the_settings():
    """Regression: a rule across a section's fields (noise_gain without noise_std) ended its
    message with the whole section, "(got {'steps': 3, 'batch_size': 4, ...})"."""
    from napari_sdap import create_model
    from napari_sdap.errors import ConfigError

    with pytest.raises(ConfigError, match="needs noise_std as well") as err:
        create_model("tiny", noise_gain=1.0)
    assert "{" not in str(err.value)


_TINY = {"preset": "tiny", "width": 8, "blocks": 1, "steps": 2, "stride": 1}


def test_student_mode_setting_trains_and_denoises(noisy_pair):
    """Regression: train(image, mode="student") failed after the whole teacher training (its
    noise curve was measured "with the student", which did not exist yet: "mode 'student'
    needs a model with a distilled student"); it trains, and denoises by default with the
    student, or with `auto` where the student was dropped (as logged)."""
    from napari_sdap import train

    _, noisy = noisy_pair
    model = train(noisy, "YX", mode="student", student=True, **_TINY)
    assert model.resolve_mode() == ("student" if model.student is not None else "bsn")
    assert np.isfinite(model.denoise(noisy)).all()


def test_student_mode_stopped_in_distillation_falls_back(noisy_pair):
    from napari_sdap import iter_train

    _, noisy = noisy_pair
    steps = iter_train(noisy, "YX", mode="student", student=True, **_TINY)
    for step in steps:
        if step.stage == "student":
            break
    steps.close()
    assert step.model.student is None and step.model.config.inference.mode == "auto"
    assert np.isfinite(step.model.denoise(noisy)).all()


def test_student_mode_without_a_student_is_refused_first(noisy_pair):
    from napari_sdap import iter_train
    from napari_sdap.errors import ConfigError

    _, noisy = noisy_pair
    steps = iter_train(noisy, "YX", mode="student", student=False, **_TINY)
    with pytest.raises(ConfigError, match=r"distils none \(student=False\)"):
        next(steps)


def test_validation_as_text_is_a_config_error():
    """Regression: validation='0.1' raised Python's "'<' not supported between instances of
    'int' and 'str'"; it is refused naming the rule, and numpy fractions are taken."""
    from napari_sdap.errors import ConfigError
    from napari_sdap.training.validation import holdout_rows

    with pytest.raises(ConfigError, match="validation must be a fraction between 0 and 1"):
        holdout_rows([200], "0.1", 48)
    assert holdout_rows([200], np.float32(0.1), 48) == holdout_rows([200], 0.1, 48)
