"""A model set to denoise with its student (config.inference.mode 'student', as a package
exported in mode 'student' loads) trained further.

Regression: stopped (or failed) before its new student was distilled, it kept mode 'student'
with no student, so its default denoise was refused ("mode 'student' needs a model with a
distilled student ... use mode 'auto'", though no mode was given), in memory and once saved;
and trained with student=False it was told "mode='student' asks for ... leave mode out", a
mode the user never gave."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import untrained_tiny

from napari_sdap import iter_train, train
from napari_sdap.errors import ConfigError

SETTINGS = {"device": "cpu", "patch_size": 24, "batch_size": 2}


def _student_mode_model():
    model = untrained_tiny()
    model.record.steps = 1
    model.config.inference.mode = "student"
    return model


def _image():
    return np.random.default_rng(0).uniform(100, 1100, (48, 48)).astype(np.float32)


def test_stopped_before_its_student_it_denoises_with_auto(tmp_path):
    model = _student_mode_model()
    g = iter_train(_image(), model=model, steps=3, student=True, student_steps=2, **SETTINGS)
    next(g)
    g.close()
    assert model.student is None and model.config.inference.mode == "auto"
    assert np.isfinite(model.denoise(_image(), device="cpu")).all()


def test_a_failed_step_leaves_it_denoising_with_auto():
    model = _student_mode_model()
    g = iter_train(_image(), model=model, steps=3, student=True, student_steps=2, **SETTINGS)
    next(g)
    with pytest.raises(RuntimeError, match="out of cheese"):
        g.throw(RuntimeError("out of cheese"))
    assert model.config.inference.mode == "auto"
    assert np.isfinite(model.denoise(_image(), device="cpu")).all()


def test_student_false_names_the_models_own_setting_and_mode_auto():
    model = _student_mode_model()
    with pytest.raises(ConfigError, match=r"this model is set to denoise with its student.*"
                                          r"student=False.*mode='auto'"):
        train(_image(), model=model, steps=1, student=False, **SETTINGS)
    trained = train(_image(), model=model, steps=1, student=False, mode="auto", **SETTINGS)
    assert trained.config.inference.mode == "auto"


def test_a_saved_student_mode_without_a_student_denoises_with_auto(tmp_path, caplog):
    from napari_sdap import load_model

    model = _student_mode_model()  # (a file saved so by an earlier version, or by hand)
    loaded = load_model(model.save(tmp_path / "m.safetensors"))
    with caplog.at_level("WARNING"):
        out = loaded.denoise(_image(), device="cpu")
    assert np.isfinite(out).all() and "it denoises with mode 'auto'" in caplog.text
    loaded.config.inference.mode = "auto"  # (as the warning says: the same result)
    np.testing.assert_array_equal(out, loaded.denoise(_image(), device="cpu"))
    with pytest.raises(ConfigError, match=r"mode 'student' needs a model with a distilled"):
        loaded.denoise(_image(), mode="student", device="cpu")  # (asked for: still refused)
