"""Each training call is recorded in the model (`TrainingRecord.runs`): a model continued with
other settings was described with the last call's settings for all its steps, its first
training's versions only, and no time budget."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "student": False}


def _image():
    return np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)


@pytest.fixture(scope="module")
def continued():
    image = _image()
    model = napari_sdap.train(image, "YX", steps=4, **TINY)
    for k, _ in enumerate(napari_sdap.iter_train(image, "YX", model=model, steps=6,
                                                  learning_rate=1e-4)):
        if k == 1:
            break  # stopped after 2 of 6 steps
    return napari_sdap.train(image, "YX", model=model, steps=3, time_budget=60)


def test_each_call_has_its_steps_settings_and_end(continued):
    runs = continued.record.runs
    assert [r.steps for r in runs] == [4, 2, 3]
    assert sum(r.steps for r in runs) == continued.record.steps
    assert [r.training.steps for r in runs] == [4, 6, 3]
    assert [r.training.learning_rate for r in runs] == [1e-3, 1e-4, 1e-4]
    assert [r.stopped for r in runs] == [False, True, False]
    assert [r.time_budget for r in runs] == [None, None, 60.0]
    assert all(r.seconds > 0 and r.versions["napari_sdap"] for r in runs)


def test_the_runs_survive_a_save_and_reach_every_output(continued, tmp_path):
    path = continued.save(tmp_path / "m.safetensors")
    again = napari_sdap.load_model(path)
    assert again.record.runs == continued.record.runs
    from napari_sdap.api.provenance import provenance

    record = provenance(again, mode="bsn", detail=False, input_axes="YX", input_shape=(48, 48),
                        input_dtype="float32", output_dtype="float32")
    assert [r["steps"] for r in record["model"]["runs"]] == [4, 2, 3]


def test_info_lists_the_calls_with_what_changed(continued, tmp_path, capsys):
    path = continued.save(tmp_path / "m.safetensors")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "runs      1: 4 steps, " in out
    assert "          2: 2 of 6 steps, stopped, " in out
    assert "learning_rate 0.001 -> 0.0001" in out
    assert "          3: 3 steps, time budget 60 s, " in out


def test_a_model_trained_once_lists_no_runs(tmp_path, capsys):
    model = napari_sdap.train(_image(), "YX", steps=2, **TINY)
    assert len(model.record.runs) == 1
    assert main(["info", str(model.save(tmp_path / "m.safetensors"))]) == 0
    assert "runs " not in capsys.readouterr().out


def test_a_bad_run_in_a_file_is_refused():
    from pydantic import ValidationError

    from napari_sdap.api.training_record import TrainingRecord

    good = napari_sdap.train(_image(), "YX", steps=2, **TINY).record.model_dump(mode="json")
    good["runs"][0]["steps"] = -1
    with pytest.raises(ValidationError, match=r"runs\.0\.steps"):
        TrainingRecord.model_validate(good)


def test_a_call_that_ends_before_its_first_step_is_not_recorded(monkeypatch):
    from napari_sdap.api import training

    model = napari_sdap.train(_image(), "YX", steps=2, **TINY)

    def fails(*args, **kwargs):
        raise RuntimeError("the device failed")
        yield

    monkeypatch.setattr(training, "run_training", fails)
    with pytest.raises(RuntimeError, match="the device failed"):
        napari_sdap.train(_image(), "YX", model=model, steps=5)
    assert len(model.record.runs) == 1 and model.record.runs[0].steps == 2
