"""Continue in the Train panel applies the Advanced fields that change how a model trains
(patch, batch, student, precision, target blur, loss, frames) where they are set; those that
fix its network (width, blocks, preset, stack planes), stride and seed stay the model's own.
Continue used to ignore every Advanced field without saying so: a batch or a loss set before
pressing Continue was not used."""

from __future__ import annotations

from napari_sdap._napari.train_settings import CONTINUED
from napari_sdap._napari.widget_train import TrainWidget


def test_continue_uses_the_training_fields_set(make_napari_viewer, small_image, tiny,
                                               wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.student.setChecked(False)
    train.start()
    wait_idle(train)
    model = train.session.model
    assert train.outcome == "done", train.status.text()
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
