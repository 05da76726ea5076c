"""The Train panel's steps field did not say that a distilled student trains its own steps
after the blind-spot network's (`fast`: 500, whatever the field holds), which the progress
then counted; its tooltip says so, with the preset's number."""

from __future__ import annotations

from napari_sdap._napari.train_settings import TrainSettings
from napari_sdap.presets import config_from_preset


def test_the_steps_tooltip_names_the_student_s_own_steps(qtbot):
    settings = TrainSettings()
    qtbot.addWidget(settings)
    tip = settings.steps.toolTip()
    fast = config_from_preset("fast", 1).student.student_steps
    assert f"student trains its own steps after these (fast and paper: {fast})" in tip
    assert "the progress counts both" in tip
