"""The Train panel's status after Stop names a student stopped too early to be kept."""

from __future__ import annotations

from types import SimpleNamespace

from napari_sdap.config import SDAPConfig


def _model(student, stride=1, check=None, want=True):
    cfg = SDAPConfig.model_validate({"training": {"stride": stride, "patch_size": 96},
                                     "student": {"student": want}})
    record = SimpleNamespace(steps=30, student_check=check)
    return SimpleNamespace(config=cfg, student=student, record=record)


def test_stop_during_distillation_says_the_student_is_not_kept():
    """Regression: "stopped at step 30; the model is kept" while its student was dropped."""
    from napari_sdap._napari.wording import stopped_text

    text = stopped_text(_model(None))
    assert text.startswith("stopped at step 30; the model is kept")
    assert "no student yet" in text and "Continue distils one" in text
    for kept in (_model(object()), _model(None, want=False), _model(None, check={"excess": 1})):
        assert "student" not in stopped_text(kept)
    assert stopped_text(None).startswith("stopped at step 0")
