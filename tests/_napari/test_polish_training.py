"""Training polish: preview placement and selection, several layers, validation, samples."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap._napari.widget_train import TrainWidget


def test_preview_keeps_the_selection_and_sits_on_its_plane(make_napari_viewer, small_image, tiny,
                                                           wait_idle, qtbot):
    viewer = make_napari_viewer()
    stack = np.stack([small_image, small_image.T, small_image[::-1], small_image.T[::-1]])
    layer = viewer.add_image(stack, name="zs", scale=(2, 1, 1))
    viewer.dims.set_current_step(0, 1)
    train = tiny(TrainWidget(viewer), steps=3)
    train.start()
    train.job.preview_every_s = 0.0
    qtbot.waitUntil(lambda: "zs [SDAP preview]" in viewer.layers, timeout=60_000)
    assert viewer.layers.selection.active is layer  # the user's layer stays selected
    assert set(viewer.layers.selection) == {layer}
    wait_idle(train)
    preview = viewer.layers["zs [SDAP preview]"]
    assert preview.ndim == 3 and preview.data.shape[0] == 1
    np.testing.assert_allclose(preview.translate, (2, 0, 0))  # plane 1 at 2 um per plane
    assert not preview.visible and viewer.layers.selection.active is layer
    assert layer.visible


def test_train_on_several_layers(make_napari_viewer, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(np.stack([small_image.T] * 2), name="b", axis_labels=("t", "y", "x"))
    viewer.add_image(small_image[::-1], name="c")
    train = tiny(TrainWidget(viewer), steps=3)
    train.picker.setCurrentText("a")
    assert [train.more.item(i).text() for i in range(train.more.count())] == ["b", "c"]
    train.more.set_checked("b")
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    trained_on = train.session.model.record.trained_on
    assert trained_on == ["YX [64, 64]", "TYX [2, 64, 64]"]
    viewer.layers["b"].name = "b2"  # renames follow; the tick stays with the layer
    assert "b2" in [train.more.item(i).text() for i in range(train.more.count())]


def test_validation_on_for_big_layers_off_for_small(make_napari_viewer, small_image, tiny,
                                                    wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="small")
    train = tiny(TrainWidget(viewer), steps=4)
    train.start()
    assert "no validation" in train.status.text()
    wait_idle(train)
    assert train.plot.validation == []
    big = np.tile(small_image, (6, 2))  # 384 rows: 39 held out, 345 to train on
    viewer.add_image(big, name="big")
    train.picker.setCurrentText("big")
    train.confirm = lambda q: True
    train.start()
    assert train.job.validation == 0.1
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    steps = [i for i, _ in train.plot.validation]
    assert steps == [0, 1, 2, 3] and all(v > 0 for _, v in train.plot.validation)
    train.settings.validation.setValue(0)  # "off"
    train.start()
    assert train.job.validation == 0
    wait_idle(train)
    assert train.plot.validation == []


_CHOICES = [  # (combobox, its default (no override), a choice and the override it gives, the
    # choice trained with, where the model keeps it)
    ("precision", "auto", "bfloat16", "bfloat16", "float32",
     lambda m: (m.config.training.precision, m.record.precision), ("float32", "float32")),
    ("target_blur", "off", "auto", "auto", "0.9",
     lambda m: (m.config.student.target_blur,), (0.9,)),
    ("loss", "auto", "l2", "l2", "l2", lambda m: (m.config.training.loss,), ("l2",)),
    ("loss", "auto", "l1", "l1", "l1", lambda m: (m.config.training.loss,), ("l1",)),
]


@pytest.mark.parametrize(("name", "default", "pick", "override", "trained", "kept", "expected"),
                         _CHOICES)
def test_advanced_choices_reach_the_training(make_napari_viewer, small_image, tiny, wait_idle,
                                             name, default, pick, override, trained, kept,
                                             expected):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    train = tiny(TrainWidget(viewer), steps=2)
    box = getattr(train.settings, name)
    assert box.currentText() == default
    assert name not in train.settings.values()["overrides"]  # the config's own
    box.setCurrentText(pick)
    assert train.settings.values()["overrides"][name] == override
    box.setCurrentText(trained)
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert kept(train.session.model) == expected


def test_frames_reach_the_training(make_napari_viewer, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(np.stack([small_image, small_image[::-1]]), name="burst")
    train = tiny(TrainWidget(viewer), steps=2)
    assert "frames" not in train.settings.values()["overrides"]  # off: the config's own
    train.settings.frames.setChecked(True)
    assert train.settings.values()["overrides"]["frames"] is True
    train.settings.stride.setCurrentText("2")
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.config.training.frames is True


def test_scanner_noise_is_whitened_unless_unchecked(make_napari_viewer, tiny, wait_idle):
    from scipy.signal import lfilter

    yy, xx = np.mgrid[:96, :96]
    clean = 0.5 + 0.2 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    noise = lfilter([1.0], [1.0, -0.6], np.random.default_rng(0).normal(0, 0.05, clean.shape),
                    axis=1)
    for checked in (True, False):  # a viewer each: no unsaved model to ask about
        viewer = make_napari_viewer()
        viewer.add_image((clean + noise).astype(np.float32), name="scan")
        train = tiny(TrainWidget(viewer), steps=2)
        train.settings.whiten.setChecked(checked)
        assert ("whiten" in train.settings.values()["overrides"]) is not checked
        train.start()
        wait_idle(train)
        assert train.outcome == "done", train.status.text()
        assert (train.session.model.whitening is not None) is checked


def test_a_known_noise_level_reaches_the_training(make_napari_viewer, small_image, tiny,
                                                  wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=2)
    noise = train.settings.noise
    assert not noise.std.isEnabled()
    assert "noise_std" not in train.settings.values()["overrides"]  # off: read from the data
    noise.known.setChecked(True)
    assert noise.std.isEnabled() and noise.gain.isEnabled() and noise.offset.isEnabled()
    noise.std.setValue(0.05)
    noise.gain.setValue(0.01)
    over = train.settings.values()["overrides"]
    assert (over["noise_std"], over["noise_gain"], over["noise_offset"]) == (0.05, 0.01, 0.0)
    train.settings.stride.setCurrentText("2")
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.config.training.noise_std == 0.05
    assert "given: std 0.05" in train.session.model.describe_detail()
    noise.std.setValue(0.08)  # Continue measures the curve again with the level now given
    train.start(resume=True)
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.config.training.noise_std == 0.08
    assert "given: std 0.08" in train.session.model.describe_detail()


def test_a_known_level_of_no_noise_is_refused_in_the_panel(make_napari_viewer, small_image,
                                                           tiny, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.noise.known.setChecked(True)  # std and gain left at 0
    train.start()
    assert train.worker is None and train.outcome == "idle"
    assert any("says the image has no noise" in m for m in errors())
    assert train.train_btn.isEnabled()


def test_loss_plot_draws_validation_with_labelled_axes(qtbot):
    from qtpy.QtGui import QImage

    from napari_sdap._napari.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 120)
    plot.set_losses([1.0, 0.8, 0.7, 0.65])
    for v in (0.9, 0.75):
        plot.append(0.6, "teacher", v)
    assert plot.validation == [(4, 0.9), (5, 0.75)]
    image = QImage(plot.size(), QImage.Format.Format_ARGB32)
    plot.render(image)
    magenta = sum(1 for x in range(300) for y in range(120)
                  if image.pixelColor(x, y).red() > 200 and image.pixelColor(x, y).blue() > 200
                  and image.pixelColor(x, y).green() < 120)
    assert magenta > 0  # validation points drawn
    assert "validation" in plot.toolTip()


def test_samples_share_units_and_pixel_size():
    from napari_sdap._napari.sample_data import correlated_stack, noisy_cells

    cells, cmeta, _ = noisy_cells()[0]
    stack, smeta, _ = correlated_stack()[0]
    assert cmeta["units"] == ("um", "um") and smeta["units"][-2:] == ("um", "um")
    assert cmeta["scale"] == smeta["scale"][-2:]
    extent_cells = np.array(cells.shape) * cmeta["scale"]
    extent_stack = np.array(stack.shape[-2:]) * smeta["scale"][-2:]
    np.testing.assert_allclose(extent_cells, extent_stack)  # the same field: no tiny inset
