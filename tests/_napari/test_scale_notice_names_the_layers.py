"""The Train panel's warning on layers of very different intensity scales (the chosen layer
plus ticked More layers) numbered the images ("image 1: 0..107; image 3: 3..110; divide image
2 by about 610"), a list the panel never shows, and a layer made in memory had no file to name
beside its number: the warning now says which layer each number is."""

from __future__ import annotations

import numpy as np


def _image(seed=0):
    return np.clip(np.random.default_rng(seed).normal(120, 20, (64, 64)), 0, 255)


def test_the_notice_names_each_layer(make_napari_viewer, tiny, wait_idle, qtbot):
    from napari.utils.notifications import NotificationSeverity, notification_manager

    from napari_sdap._napari.widget_train import TrainWidget

    viewer = make_napari_viewer()
    viewer.add_image(_image(), name="cells 8-bit")
    viewer.add_image(_image(1) * 1000, name="cells raw")
    viewer.add_image(_image(2), name="cells again")
    train = tiny(TrainWidget(viewer), steps=2)
    train.picker.setCurrentText("cells 8-bit")
    train.more.set_checked("cells again")
    train.more.set_checked("cells raw")
    order = [train.picker.currentText(), *train.more.checked_names()]
    assert order == ["cells 8-bit", "cells raw", "cells again"]  # (the viewer's order)
    start = len(notification_manager.records)
    with qtbot.capture_exceptions() as caught:
        train.start()
        wait_idle(train)
    assert not caught and train.outcome == "done", train.status.text()
    warned = [str(n.message) for n in notification_manager.records[start:]
              if n.severity == NotificationSeverity.WARNING
              and "very different intensity scales" in str(n.message)]
    assert len(warned) == 1, warned
    for k, name in enumerate(order, 1):
        assert f"image {k}: layer {name!r}" in warned[0], warned[0]


def test_one_layer_keeps_the_engines_words():
    from napari_sdap._napari.workers import _in_layers

    assert _in_layers("a text", ["cells"]) == "a text"
