"""The Train panel's 'More layers' checklist: ticks belong to layers, not to their names."""

from __future__ import annotations

from napari_sdap._napari.widget_train import TrainWidget


def test_a_renamed_ticked_layer_stays_ticked(make_napari_viewer, small_image):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(small_image[::-1].copy(), name="b")
    viewer.add_image(small_image.T.copy(), name="c")
    train = TrainWidget(viewer)
    train.picker.setCurrentText("a")
    train.more.set_checked("b")
    viewer.layers["b"].name = "b2"
    viewer.layers.move(2, 0)  # moved: the tick stays with 'b2', not with the second row
    assert train.more.checked_names() == ["b2"]
    assert train.more.checked_layers() == [viewer.layers["b2"]]
    viewer.layers.remove("b2")
    assert train.more.checked_names() == []
