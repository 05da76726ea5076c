"""The Train panel's noise line names noise correlated along a scan line, which training
whitened (it said "independent per pixel")."""

from __future__ import annotations

from napari_sdap._napari.widget_train import TrainWidget


def test_the_line_scan_sample_is_said_to_be_correlated_along_x(make_napari_viewer, tiny,
                                                               wait_idle):
    """Regression: the line scan sample (noise correlated along X, whitened for training)
    read 'Noise: independent per pixel -> plain blind-spot'; only the tooltip said otherwise."""
    viewer = make_napari_viewer()
    viewer.open_sample("napari-sdap", "line_scan")
    train = tiny(TrainWidget(viewer), steps=2)
    train.start()
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    assert train.session.model.record.noise["whitened"] == "X"
    text = train.noise.text()
    assert "independent per pixel" not in text, text
    assert text.startswith("Noise: correlated along X only") and "whitened" in text, text
    assert "plain blind-spot (stride 1)" in text


def test_white_noise_still_reads_independent_and_a_whitened_axis_is_named():
    from dataclasses import replace

    import numpy as np

    from napari_sdap._napari.wording import noise_text
    from napari_sdap.api.noise import analyze_noise

    white = analyze_noise(np.random.default_rng(0).normal(100, 10, (128, 128)), "YX")
    assert white.stride == 1 and not white.whitened
    assert noise_text(white)[0].startswith("Noise: independent per pixel")
    assert noise_text(replace(white, whitened="Y"))[0].startswith("Noise: correlated along Y")
