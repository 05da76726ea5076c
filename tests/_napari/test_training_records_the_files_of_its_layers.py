"""A model trained in the Train panel on layers napari read from files recorded only their axes
and shapes (record.trained_on 'YX [48, 48]'), so the model file, info and every result's
provenance never said which files it learnt from, where the API and the CLI name them
('cells.tif: YX [48, 48]'); layers made in memory keep the axes and shape alone."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap._napari.widget_train import TrainWidget


def _image(seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:48, :48]
    clean = 100 + 60 * np.sin(xx / 5.0) * np.cos(yy / 6.0)
    return np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8)


def test_the_files_of_the_layers_trained_on_are_recorded(make_napari_viewer, wait_idle, qtbot,
                                                          tiny, tmp_path):
    tifffile.imwrite(tmp_path / "cells.tif", _image())
    viewer = make_napari_viewer()
    viewer.add_image(_image(2).astype(np.float32), name="memory")
    viewer.layers.selection.active = viewer.open(str(tmp_path / "cells.tif"))[0]
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.student.setChecked(False)
    train.more.set_checked("memory")
    with qtbot.capture_exceptions() as raised:
        train.start()
        wait_idle(train)
    assert not raised and train.outcome == "done", train.status.text()
    assert list(train.session.model.record.trained_on) == ["cells.tif: YX [48, 48]",
                                                           "YX [48, 48]"]


def test_a_single_layer_read_from_a_file_is_named(make_napari_viewer, wait_idle, qtbot, tiny,
                                                   tmp_path):
    tifffile.imwrite(tmp_path / "day1.tif", _image())
    viewer = make_napari_viewer()
    viewer.open(str(tmp_path / "day1.tif"))
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.student.setChecked(False)
    with qtbot.capture_exceptions() as raised:
        train.start()
        wait_idle(train)
    assert not raised and train.outcome == "done", train.status.text()
    assert list(train.session.model.record.trained_on) == ["day1.tif: YX [48, 48]"]
