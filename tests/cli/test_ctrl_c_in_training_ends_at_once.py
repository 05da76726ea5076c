"""Ctrl-C while the CLI (or `train()` on a new model) trains ends at once: the stopped model
is lost with the process or the exception, so it is not finished first.

A stopped training is finished as a completed one is (noise curve, output blur and mix) so a
notebook or the napari Stop keeps a usable model; `napari-sdap train` on a 1024² image spent
26 s doing that after Ctrl-C, for a model it then threw away (2 s now).
"""

from __future__ import annotations

import pytest
import tifffile
from synthetic import noisy_sine

import napari_sdap
import napari_sdap.api.training as training
from napari_sdap.cli import main
from napari_sdap.training import loop

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "student": False, "steps": 10, "device": "cpu"}


@pytest.fixture
def finishing(monkeypatch):
    """Ctrl-C in the 4th step; counts the calls of the work that finishes a stopped model."""
    real, calls, done = loop.cyclic_loss, {"n": 0}, []

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "cyclic_loss", interrupted)
    for name in ("finish_curve", "finish_output"):
        real_fn = getattr(training, name)

        def counted(*args, _real=real_fn, _name=name, **kwargs):
            done.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(training, name, counted)
    return done


def test_cli_train_ctrl_c_does_not_finish_the_lost_model(finishing, tmp_path):
    image = tmp_path / "img.tif"
    tifffile.imwrite(image, noisy_sine())
    model = tmp_path / "m.safetensors"
    args = ["train", str(image), "--model", str(model), "--preset", "tiny", "--steps", "10",
            "--width", "8", "--blocks", "1", "--batch-size", "2", "--patch-size", "32",
            "--no-student", "--device", "cpu", "--threads", "1"]
    assert main(args) == 130
    assert finishing == []  # (was ["finish_curve", "finish_output"])
    assert not model.exists()


def test_train_on_a_new_model_does_not_finish_it(finishing):
    with pytest.raises(KeyboardInterrupt):
        napari_sdap.train(noisy_sine(), "YX", **SETTINGS)
    assert finishing == []


def test_a_model_the_caller_holds_is_still_finished(finishing):
    model = napari_sdap.create_model(**SETTINGS)
    with pytest.raises(KeyboardInterrupt):
        napari_sdap.train(noisy_sine(), "YX", model=model, **{
            k: v for k, v in SETTINGS.items() if k in ("steps", "device")})
    assert finishing == ["finish_curve", "finish_output"]
    assert model.noise_curve is not None and model.record.steps == 3
