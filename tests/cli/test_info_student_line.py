"""`napari-sdap info` says why a model has no student, and when its student ran fewer steps
than configured: it said "none (the blind-spot network denoises)" whether the distillation was
stopped, dropped as worse than the teacher, or never asked for."""

from __future__ import annotations

from synthetic import noisy_sine

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.model.student import StudentNet

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "steps": 4, "student_steps": 20, "student_width": 8,
            "student_batch": 2, "student_patch": 32, "device": "cpu"}


def _student_line(model, tmp_path, capsys) -> str:
    path = tmp_path / f"m{len(list(tmp_path.iterdir()))}.safetensors"
    model.save(path)
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    return next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("student"))


def _stopped_at(student_step: int):
    run = napari_sdap.iter_train(noisy_sine(), "YX", **SETTINGS)
    for rec in run:
        if rec.stage == "student" and rec.step - SETTINGS["steps"] >= student_step:
            break
    run.close()
    return rec.model


def test_a_distillation_stopped_early_is_named(tmp_path, capsys):
    line = _student_line(_stopped_at(3), tmp_path, capsys)
    assert "the distillation stopped before half of its steps" in line


def test_a_student_stopped_late_names_its_steps(tmp_path, capsys):
    model = _with_student_on(napari_sdap.train(noisy_sine(), "YX",
                                               **{**SETTINGS, "student": False}))
    model.student = StudentNet(1, 8, (1, 2, 3, 4, 3, 2, 1))  # (as a late stop keeps it)
    model.record.student_steps = 15
    line = _student_line(model, tmp_path, capsys)
    assert "15 steps of the 20 configured (stopped, or a time budget)" in line
    model.record.student_steps = 20
    assert "configured" not in _student_line(model, tmp_path, capsys)


def _with_student_on(model):
    model.config = model.config.model_copy(update={"student": model.config.student.model_copy(
        update={"student": True})})
    return model


def test_a_model_without_a_student_by_choice(tmp_path, capsys):
    model = napari_sdap.train(noisy_sine(), "YX", **{**SETTINGS, "student": False})
    line = _student_line(model, tmp_path, capsys)
    assert "none distilled: student off" in line


def test_a_finished_student_names_no_shortfall(tmp_path, capsys):
    model = napari_sdap.train(noisy_sine(), "YX", **SETTINGS)
    line = _student_line(model, tmp_path, capsys)
    if model.student is None:
        assert "dropped" in line
    else:
        assert "configured" not in line and "20 steps" in line


def test_a_student_dropped_as_worse_is_named(tmp_path, capsys):
    model = napari_sdap.train(noisy_sine(), "YX", **{**SETTINGS, "student": False})
    model.record.student_check = {"excess": 0.2, "excess_se": 0.01, "pixels": 4096.0}
    model.record.student_fidelity = 0.3
    line = _student_line(model, tmp_path, capsys)
    assert "none distilled" in line  # (student off: the record's verdict is not read)
    line = _student_line(_with_student_on(model), tmp_path, capsys)
    assert "dropped: worse than the blind-spot network on held-out pixels (error +20.0 %" in line
