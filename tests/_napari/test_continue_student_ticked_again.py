"""Continue in the Train panel with the student box ticked again, for a model trained with it
unticked (`student=False`), distils a student as a new training with the box ticked does. It
used to read the ticked box as 'the model's own' and kept `student=False`: the panel showed
'distil a fast student' ticked and the model ended without one, without a word."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_train import TrainWidget


def test_ticking_the_student_again_distils_one(make_napari_viewer, small_image, tiny,
                                               wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.student.setChecked(False)
    train.start()
    wait_idle(train)
    model = train.session.model
    assert train.outcome == "done" and model.student is None, train.status.text()
    train.settings.student.setChecked(True)
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert model.config.student.student == "auto" and model.student is not None
    assert np.isfinite(model.denoise(small_image, "YX")).all()


def test_ticked_box_is_the_models_own_otherwise(make_napari_viewer, trained_model):
    train = TrainWidget(make_napari_viewer())
    assert train.settings.student.isChecked()
    assert train.settings.continued(trained_model) == {}  # (its student: auto)
    trained_model.config.student.student = False
    assert train.settings.continued(trained_model) == {"student": "auto"}
    train.settings.student.setChecked(False)
    assert train.settings.continued(trained_model) == {"student": False}
