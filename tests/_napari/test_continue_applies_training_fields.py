"""Continue in the Train panel applies the Advanced fields that change how a model trains
(patch, batch, student, precision, target blur, loss, frames) where they are set; those that
fix its network (width, blocks, preset, stack planes), stride and seed stay the model's own.
Continue used to ignore every Advanced field without saying so: a batch or a loss set before
pressing Continue was not used."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.train_settings import CONTINUED
from napari_sdap._napari.widget_train import TrainWidget


def _trained_without_student(viewer, image, tiny, wait_idle):
    """A Train panel with a tiny model trained on `image`, its student box unticked."""
    viewer.add_image(image, name="img")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.student.setChecked(False)
    train.start()
    wait_idle(train)
    assert train.outcome == "done" and train.session.model.student is None, train.status.text()
    return train, train.session.model


def test_continue_uses_the_training_fields_set(make_napari_viewer, small_image, tiny,
                                               wait_idle):
    train, model = _trained_without_student(make_napari_viewer(), small_image, tiny, wait_idle)
    assert model.config.training.batch_size == 2 and model.config.training.loss != "l2"
    s = train.settings
    s.batch.setValue(3)
    s.loss.setCurrentText("l2")
    s.precision.setCurrentText("float32")
    s.width_.setValue(16)  # (a network of another shape: the model's own stays)
    s.blocks.setValue(2)
    s.preset.setCurrentText("fast")
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model is model and model.record.steps == 4
    t = model.config.training
    assert (t.batch_size, t.loss, t.precision) == (3, "l2", "float32")  # (were 2, l1, auto)
    assert model.config.network.width == 8 and model.config.network.blocks == 1
    assert model.config.network.preset == "tiny"


def test_continue_leaves_out_fields_at_auto(make_napari_viewer):
    train = TrainWidget(make_napari_viewer())
    assert train.settings.continued() == {}  # (everything at auto: the model's own)
    train.settings.patch.setValue(48)
    train.settings.width_.setValue(16)
    assert train.settings.continued() == {"patch_size": 48}
    assert set(CONTINUED) >= {"patch_size", "batch_size", "student", "loss"}


def test_ticking_the_student_again_distils_one(make_napari_viewer, small_image, tiny,
                                               wait_idle):
    """The box ticked again for a model trained with it unticked (`student=False`) distils a
    student, as a new training with the box ticked does; it was read as 'the model's own'."""
    train, model = _trained_without_student(make_napari_viewer(), small_image, tiny, wait_idle)
    train.settings.student.setChecked(True)
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert model.config.student.student == "auto" and model.student is not None
    assert np.isfinite(model.denoise(small_image, "YX")).all()
