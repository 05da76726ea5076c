"""A training refused before its first step (a constant layer, another layer's channels) leaves
the current model as it was; the loss plot shows that model's losses, not an empty plot."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_train import TrainWidget


def _same(plot, shown):
    """The plot holds the losses `shown` (the model's record keeps them to 6 digits)."""
    assert len(plot.losses) == len(shown[0]) and len(plot.student) == len(shown[1])
    np.testing.assert_allclose(plot.losses, shown[0], rtol=1e-5)
    np.testing.assert_allclose(plot.student, shown[1], rtol=1e-5)


def test_a_refused_new_training_puts_back_the_current_models_losses(make_napari_viewer, qtbot,
                                                                     small_image, tiny,
                                                                     wait_idle):
    """Regression: Train on a constant layer after a trained model: the plot was cleared and
    stayed empty while the panel went on showing '5 steps' for the model that stayed current."""
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    viewer.add_image(np.zeros((64, 64), np.float32), name="flat")
    train = tiny(TrainWidget(viewer), steps=5)
    train.confirm = lambda question: True
    train.picker.setCurrentText("cells")
    train.start()
    wait_idle(train)
    model = train.session.model
    shown = (list(train.plot.losses), list(train.plot.student))
    assert len(shown[0]) == 5
    train.picker.setCurrentText("flat")
    with qtbot.capture_exceptions():  # (napari relays the worker's error as a notification)
        train.start()
        wait_idle(train)
    assert train.outcome == "error" and "constant" in train.status.text()
    assert train.session.model is model and model.record.steps == 5
    _same(train.plot, shown)


def test_a_refused_continue_shows_the_student_losses_again(make_napari_viewer, qtbot,
                                                           small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    viewer.add_image(np.stack([small_image, small_image + 1]), name="two")
    train = tiny(TrainWidget(viewer), steps=3)
    train.settings.stride.setCurrentText("1")
    train.picker.setCurrentText("cells")
    train.start()
    wait_idle(train)
    model = train.session.model
    shown = (list(train.plot.losses), list(train.plot.student))
    train.picker.setCurrentText("two")
    train.axes.setText("CYX")  # two channels for a one-channel model: refused
    with qtbot.capture_exceptions():
        train.start(resume=True)
        wait_idle(train)
    assert train.outcome == "error", train.status.text()
    assert train.session.model is model
    _same(train.plot, shown)
