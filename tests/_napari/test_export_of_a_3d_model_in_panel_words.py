"""Export... of a 3-D model in the Train panel was refused in the API's words ('this is a 3-D
model (network.dims=3, along Z) ... or train a 2-D model (dims=2) to export'): a config field
and an argument the panel has no control for. The panel names its stack-planes choice."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_train import TrainWidget


def _stack(seed=0):
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.mgrid[:6, :40, :40]
    clean = 100 + 60 * np.sin(xx / 5.0 + zz / 3) * np.cos(yy / 6.0)
    return (clean + rng.normal(0, 15, clean.shape)).astype(np.float32)


def test_a_3d_model_s_export_is_refused_in_the_panel_s_words(make_napari_viewer, qtbot, errors,
                                                               tmp_path):
    import napari_sdap

    model = napari_sdap.train(_stack(), "ZYX", preset="tiny", width=8, blocks=1, batch_size=4,
                              patch_size=24, steps=1, student=False, stride=1, seed=0, dims=3)
    viewer = make_napari_viewer()
    viewer.add_image(_stack(1), name="vol")
    train = TrainWidget(viewer)
    train.session.set_model(model, "vol")
    button = train.export_btn
    with qtbot.capture_exceptions():
        button.export(str(tmp_path / "vol.zip"))
        qtbot.waitUntil(lambda: button.worker is None, timeout=30_000)
    shown = [*errors(), button.status.text()]
    assert any("cannot be exported" in text for text in shown), shown
    for text in shown:
        assert "dims=" not in text and "network.dims" not in text, text
    assert "'each plane on its own (2-D)' under Advanced > stack planes" in button.status.text()
    assert not (tmp_path / "vol.zip").exists()
