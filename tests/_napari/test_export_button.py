"""The "Export (bioimage.io)..." button of the Train and Denoise widgets."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget


@pytest.fixture
def trained(make_napari_viewer, qtbot, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="noisy")
    train = tiny(TrainWidget(viewer), steps=4)
    qtbot.addWidget(train)
    train.start()
    wait_idle(train)
    assert train.session.model is not None
    return viewer, train


def test_train_widget_exports_a_package_that_loads_back(trained, qtbot, tmp_path):
    import napari_sdap

    viewer, train = trained
    button = train.export_btn
    assert button.isEnabled()
    path = tmp_path / "shared.zip"
    with qtbot.waitSignal(button.done, timeout=120_000) as got:
        button.export(str(path))
    assert got.args[0] == path, got.args[0]
    assert zipfile.is_zipfile(path) and "written to" in train.status.text()
    assert button.worker is None and button.isEnabled()
    back = napari_sdap.load_model(path)
    image = viewer.layers["noisy"].data
    np.testing.assert_array_equal(back.denoise(image), train.session.model.denoise(image))


def test_denoise_widget_exports_its_mode_and_refuses_to_replace(trained, qtbot, tmp_path):
    from bioimageio.core import load_description

    viewer, _ = trained
    den = DenoiseWidget(viewer)
    qtbot.addWidget(den)
    den.mode.setCurrentText("sdap")
    path = tmp_path / "den.zip"
    with qtbot.waitSignal(den.export_btn.done, timeout=120_000):
        den.export_btn.export(str(path))
    assert load_description(path).config.napari_sdap["mode"] == "sdap"
    before = path.read_bytes()
    with qtbot.waitSignal(den.export_btn.done, timeout=120_000) as got:
        den.export_btn.export(str(path))
    assert "already exists" in str(got.args[0]) and "already exists" in den.status.text()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["den.zip"]


def test_export_without_a_model_or_layer_says_what_to_do(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    den = DenoiseWidget(viewer)
    qtbot.addWidget(den)
    assert not den.export_btn.isEnabled()
    with qtbot.waitSignal(den.export_btn.done, timeout=5_000) as got:
        den.export_btn.export(str(tmp_path / "x.zip"))
    assert "no model yet" in str(got.args[0]) and "no model yet" in den.status.text()
    assert list(tmp_path.iterdir()) == []
