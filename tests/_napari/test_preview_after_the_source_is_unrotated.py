"""The Train preview lies on its source after the source's rotation was taken away (the preview
of a run on the rotated source is reused by the next run)."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_train import TrainWidget


def _corners_on_source(preview, source):
    """The preview's first and last pixel, in the source's data coordinates."""
    last = np.array(preview.data.shape[: preview.ndim]) - 1
    return [np.asarray(source.world_to_data(preview.data_to_world(c)), float)
            for c in (np.zeros(preview.ndim), last)]


def test_the_preview_follows_a_source_whose_rotation_was_reset(make_napari_viewer, small_image,
                                                              tiny, wait_idle):
    viewer = make_napari_viewer()
    source = viewer.add_image(small_image, name="a", rotate=30, translate=(5, 5))
    train = tiny(TrainWidget(viewer), steps=3)
    train.confirm = lambda question: True
    train.start()
    wait_idle(train)
    first, last = _corners_on_source(viewer.layers["a [SDAP preview]"], source)
    np.testing.assert_allclose(first, [0, 0], atol=1e-6)
    np.testing.assert_allclose(last, [63, 63], atol=1e-6)
    source.rotate = 0  # aligned again
    train.start()
    wait_idle(train)
    preview = viewer.layers["a [SDAP preview]"]
    first, last = _corners_on_source(preview, source)
    # (before: the preview kept the rotated run's affine, 30 degrees off and shifted)
    np.testing.assert_allclose(first, [0, 0], atol=1e-6)
    np.testing.assert_allclose(last, [63, 63], atol=1e-6)
    np.testing.assert_allclose(preview.affine.affine_matrix, np.eye(3), atol=1e-9)
