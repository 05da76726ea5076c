"""The Quality control dock widget, headless: pick layers, Check in a worker, see the results."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(name="viewer_layers")
def viewer_layers_fixture(make_napari_viewer, small_image):
    viewer = make_napari_viewer()
    clean = small_image - np.random.default_rng(5).normal(0, 0.1, small_image.shape)
    viewer.add_image(small_image, name="cells")
    viewer.add_image(clean.astype(np.float32), name="cells [SDAP]")
    viewer.add_image(clean.astype(np.float32), name="truth")
    return viewer


def _widget(viewer, qtbot):
    from napari_sdap._napari.qc_widget import QCWidget

    widget = QCWidget(viewer)
    qtbot.addWidget(widget)
    return widget


def test_check_shows_summary_and_plots(viewer_layers, qtbot):
    w = _widget(viewer_layers, qtbot)
    assert w.noisy.currentText() == "cells" and w.denoised.currentText() == "cells [SDAP]"
    assert w.reference.currentText() == "(none)"
    w.reference.setCurrentText("truth")
    with qtbot.waitSignal(w.checked, timeout=60_000) as blocker:
        w.run_btn.click()
    report = blocker.args[0]
    assert report.reference["psnr"] is not None
    assert "Checked 1 window" in w.summary.toPlainText()
    assert "Against the reference" in w.summary.toPlainText()
    axes = w.canvas.figure.axes
    assert len(axes) >= 6
    assert axes[0].get_xlabel() == "lag (pixels)" and axes[0].get_ylabel()
    assert axes[1].get_xlabel().startswith("output intensity")
    qtbot.waitUntil(lambda: w.worker is None and w.run_btn.isEnabled(), timeout=10_000)


def test_check_with_the_session_model_holds_it_while_running(viewer_layers, qtbot):
    from napari_sdap._napari.session import session_for
    from napari_sdap.api import train

    viewer = viewer_layers
    model = train(viewer.layers["cells"].data, steps=2, preset="tiny", width=8, blocks=1,
                  batch_size=2, patch_size=32, stride=2, device="cpu")
    session = session_for(viewer)
    session.set_model(model, "test")
    w = _widget(viewer, qtbot)
    assert w.model_label.text().startswith("Model: 2 steps")
    assert "tiny" in w.model_label.toolTip()
    train(viewer.layers["cells"].data, steps=3, model=model)  # trained further
    session.state_changed.emit()  # (the panels say so when their run ends)
    assert w.model_label.text().startswith("Model: 5 steps")
    with qtbot.waitSignal(w.checked, timeout=60_000) as blocker:
        w.check()
        assert session.denoising  # no training or denoising of this model meanwhile
    report = blocker.args[0]
    assert report.restore is not None and all(b.noise_std for b in report.bands)
    qtbot.waitUntil(lambda: w.worker is None and not session.denoising, timeout=10_000)


def test_a_new_result_layer_becomes_the_denoised_choice(make_napari_viewer, small_image, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="raw")
    w = _widget(viewer, qtbot)
    assert w.denoised.currentText() == "raw"  # nothing else yet
    viewer.add_image(small_image * 0.5, name="other")
    assert w.denoised.currentText() == "raw"
    viewer.add_image(small_image * 0.5, name="raw [SDAP]")
    assert w.denoised.currentText() == "raw [SDAP]" and w.noisy.currentText() == "raw"
    viewer.layers["raw [SDAP]"].name = "renamed [SDAP]"
    assert w.denoised.currentText() == "renamed [SDAP]"


def test_same_layer_twice_is_refused(viewer_layers, qtbot):
    w = _widget(viewer_layers, qtbot)
    w.denoised.setCurrentText("cells")
    with qtbot.waitSignal(w.failed, timeout=5_000) as blocker:
        w.check()
    assert "same layer" in blocker.args[0]
    assert w.worker is None and "same layer" in w.status.text()


def test_an_error_in_the_worker_is_shown(viewer_layers, qtbot):
    viewer_layers.add_image(np.zeros((32, 32), np.float32), name="small")
    w = _widget(viewer_layers, qtbot)
    w.reference.setCurrentText("small")
    with qtbot.capture_exceptions() as raised:  # napari relays worker errors as notifications
        with qtbot.waitSignal(w.failed, timeout=60_000) as blocker:
            w.check()
        qtbot.waitUntil(lambda: w.worker is None and w.run_btn.isEnabled(), timeout=10_000)
    assert "same shape" in blocker.args[0] and "same shape" in w.status.text()
    assert [type(e[1]).__name__ for e in raised] == ["InputError"]


def test_loading_a_model_here_asks_before_unsaved_training_goes(make_napari_viewer, small_image,
                                                                trained_model, tmp_path):
    from napari_sdap._napari.qc_widget import QCWidget

    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    qc = QCWidget(viewer)
    qc.session.set_model(trained_model, "a", saved=False)
    other = trained_model.save(tmp_path / "other.safetensors")
    asked = []
    qc.confirm = lambda question: asked.append(question) or False
    qc.load_model(str(other))
    assert asked and "not saved" in asked[0] and qc.session.model is trained_model
    qc.confirm = lambda question: True
    qc.load_model(str(other))
    assert qc.session.model is not trained_model


def test_layers_of_other_shapes_and_a_busy_model_name_the_fix(make_napari_viewer, small_image):
    from napari_sdap._napari.qc_widget import QCWidget

    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    viewer.add_image(np.stack([small_image] * 3), name="c")
    qc = QCWidget(viewer)
    qc.use_model.setChecked(False)
    qc.noisy.setCurrentText("a")
    qc.denoised.setCurrentText("c")
    qc.check()
    assert qc.worker is None and "has shape (64, 64) but the denoised layer" in qc.status.text()


def test_pickers_keep_a_renamed_layer(viewer_layers, qtbot):
    w = _widget(viewer_layers, qtbot)
    viewer_layers.add_image(np.zeros((64, 64), np.float32), name="first")
    viewer_layers.layers.move(3, 0)  # not the layer a picker falls back to
    w.reference.setCurrentText("truth")
    viewer_layers.layers["truth"].name = "truth (reference)"
    viewer_layers.layers["cells"].name = "cells stack"
    assert w.reference.currentText() == "truth (reference)"
    assert w.noisy.currentText() == "cells stack"
    assert w.noisy.layer() is viewer_layers.layers["cells stack"]
    assert w.denoised.currentText() == "cells [SDAP]"


def test_the_input_follows_the_result_by_the_layer_it_was_made_from(make_napari_viewer,
                                                                    small_image,
                                                                    trained_model, wait_idle):
    """The input was found by the result's name (`a [SDAP]` -> `a`): after the source and
    another layer swapped names, the check ran against the other image."""
    from panel_helpers import denoiser

    from napari_sdap._napari.qc_widget import QCWidget

    viewer = make_napari_viewer()
    a = viewer.add_image(small_image, name="a")
    b = viewer.add_image(small_image[::-1].copy(), name="b")
    d = denoiser(viewer, trained_model)
    d.picker.select(a)
    d.start()
    wait_idle(d)
    a.name, b.name = "tmp", "a"
    a.name = "b"
    qc = QCWidget(viewer)
    assert qc.denoised.layer() is d.out_layer
    assert qc.noisy.layer() is a
