"""The layer picker of the Train and Denoise panels: its choice is a layer, not a name."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


def test_renaming_the_chosen_layer_keeps_it_chosen(make_napari_viewer, small_image):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(small_image * 2, name="b")  # added last: chosen in both panels
    train, denoise = TrainWidget(viewer), DenoiseWidget(viewer)
    b = viewer.layers["b"]
    b.name = "b renamed"
    for panel in (train, denoise):
        assert panel.picker.layer() is b, panel.picker.currentText()
        assert panel.picker.currentText() == "b renamed"
    viewer.layers.move(1, 0)  # moved: still the same layer
    assert train.picker.layer() is b and denoise.picker.layer() is b


def test_typed_axes_stay_while_other_layers_change(make_napari_viewer, small_image):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="other")
    viewer.add_image(np.stack([small_image, 3 * small_image + 1]), name="two")  # guessed ZYX
    train, denoise = TrainWidget(viewer), DenoiseWidget(viewer)
    for panel in (train, denoise):
        assert panel.axes.text() == "ZYX"
        panel.axes.setText("CYX")
    viewer.add_points(np.zeros((1, 3)), name="marks")
    viewer.layers["other"].name = "other renamed"
    viewer.layers.remove("marks")
    viewer.layers["two"].name = "two channels"
    for panel in (train, denoise):
        assert panel.axes.text() == "CYX", panel.axes.text()
    viewer.layers.remove("two channels")  # the chosen layer gone: the next one's axes
    for panel in (train, denoise):
        assert panel.picker.layer() is viewer.layers["other renamed"]
        assert panel.axes.text() == "YX", panel.axes.text()
