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


def test_an_rgba_layer_trains_with_rgb_layers(make_napari_viewer, small_image, tiny, wait_idle):
    """RGBA trains as its three colours (the alpha is set aside, `api.alpha`): ticking it with
    an RGB layer was refused as "other channels"."""
    import numpy as np

    colour = np.clip(np.stack([small_image * 200, small_image * 150, small_image * 100], -1),
                     0, 255).astype(np.uint8)
    viewer = make_napari_viewer()
    viewer.add_image(colour, name="rgb", rgb=True)
    viewer.add_image(np.concatenate([colour, np.full((64, 64, 1), 255, np.uint8)], -1),
                     name="rgba", rgb=True)
    train = tiny(TrainWidget(viewer), steps=2)
    train.picker.setCurrentText("rgb")
    train.more.set_checked("rgba")
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.record.trained_on == ["YXC [64, 64, 3]"] * 2


def test_the_memory_line_counts_an_rgba_layer_as_its_three_colours():
    """An RGBA layer trains a 3-channel network (alpha passes through): the Train panel's
    memory estimate counted 4 channels, about a third too high."""
    import napari
    import numpy as np

    from napari_sdap._napari.layers import training_extent

    rgba = napari.layers.Image(np.zeros((32, 48, 4), np.uint8), rgb=True)
    rgb = napari.layers.Image(np.zeros((32, 48, 3), np.uint8), rgb=True)
    assert training_extent(rgba, "YXC", [], "auto") == (3, 32 * 48)
    assert training_extent(rgb, "YXC", [], "auto") == (3, 32 * 48)
    assert training_extent(rgba, "YXC", [], "joint")[0] == 4  # all four through the network
    assert training_extent(rgba, "YX?", [], "auto")[0] == 4  # the field being edited
