"""A layer chosen in the panels' pickers while another is selected in the layer list: the
Train panel's first preview is added and the selection put back as it was, and that put-back
active layer read as the user selecting it, so both panels' pickers left the chosen layer for
the layer list's (train 'a' with 'b' selected: afterwards both showed 'b', and Denoise or
Continue ran on the other image). The pickers keep the chosen layer; a selection the user
makes is still followed."""

from __future__ import annotations

import numpy as np


def _image(seed):
    return np.clip(np.random.default_rng(seed).normal(120, 20, (64, 64)), 0, 255)


def test_the_chosen_layer_stays_chosen(make_napari_viewer, tiny, wait_idle, qtbot):
    from napari_sdap._napari.widget_denoise import DenoiseWidget
    from napari_sdap._napari.widget_train import TrainWidget

    viewer = make_napari_viewer()
    viewer.add_image(_image(0), name="a")
    viewer.add_image(_image(1), name="b")  # (the active layer of the layer list)
    train = tiny(TrainWidget(viewer), steps=2)
    denoise = DenoiseWidget(viewer)
    train.picker.setCurrentText("a")
    denoise.picker.setCurrentText("a")
    with qtbot.capture_exceptions() as caught:
        train.start()
        wait_idle(train)
    assert not caught and train.outcome == "done", train.status.text()
    assert "a [SDAP preview]" in viewer.layers  # (the preview was added)
    assert viewer.layers.selection.active is viewer.layers["b"]  # (left as it was)
    assert train.picker.currentText() == "a" and denoise.picker.currentText() == "a"
    viewer.layers.selection.active = viewer.layers["a"]
    viewer.layers.selection.active = viewer.layers["b"]  # the user's own choice: followed
    assert train.picker.currentText() == "b" and denoise.picker.currentText() == "b"
