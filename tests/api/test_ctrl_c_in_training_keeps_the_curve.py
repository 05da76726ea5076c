"""Ctrl-C in a training loop (a notebook's stop button) finishes the model as leaving the loop
does: it keeps its noise curve (detail restore, bias correction) and denoises alike.

A Ctrl-C lands inside a training step, where it used to leave the model without the noise
curve a stop measures: no detail restore and off the input's mean (26.1 dB and a mean 3 grey
levels high, against 29.2 dB for `break` at the same step, on a synthetic 96 x 96 image), and
`describe_detail` then called it "untrained, or a file saved by an earlier napari-sdap".
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.training import loop

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "student": False, "steps": 10, "device": "cpu"}


def test_ctrl_c_inside_a_step_finishes_the_model_as_a_stop(monkeypatch):
    img = noisy_sine()
    run = napari_sdap.iter_train(img, "YX", **SETTINGS)
    for rec in run:
        if rec.step == 3:
            break
    run.close()
    stopped = rec.model
    assert stopped.noise_curve is not None

    real, calls = loop.cyclic_loss, {"n": 0}

    def interrupted(*args, **kwargs):  # Ctrl-C during the 4th step
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "cyclic_loss", interrupted)
    model = None
    with pytest.raises(KeyboardInterrupt):
        for rec in napari_sdap.iter_train(img, "YX", **SETTINGS):
            model = rec.model
    assert model.record.steps == 3
    assert model.noise_curve is not None  # (was None)
    assert "no noise curve" not in model.describe_detail()
    np.testing.assert_array_equal(model.denoise(img, "YX", device="cpu"),
                                  stopped.denoise(img, "YX", device="cpu"))
