"""Runs: stopping training and inference, failures mid-run, devices and settings."""

from __future__ import annotations

import threading
from unittest import mock

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import ConfigError, DeviceError, InputError

from .helpers import TINY, digest, noisy

_BEFORE: set[threading.Thread] = set()


def _patch_threads() -> list[str]:
    """Patch-sampler threads started by this test and still alive."""
    return [t.name for t in threading.enumerate()
            if t.name.startswith("sdap-patches") and t not in _BEFORE]


@pytest.fixture(autouse=True)
def _threads_before():
    _BEFORE.clear()
    _BEFORE.update(threading.enumerate())


def test_breaking_out_of_training_keeps_a_usable_model():
    image = noisy((48, 48))
    before = digest(image)
    run = napari_sdap.iter_train(image, steps=50, stride=2, **TINY)
    for progress in run:
        if progress.step == 3:
            break
    run.close()
    model = progress.model
    assert model.record.steps == 3 and len(model.record.losses) == 3
    assert model.record.seconds > 0
    assert _patch_threads() == []
    assert next(model.network.parameters()).device.type == "cpu"
    assert np.isfinite(model.denoise(image)).all()
    assert digest(image) == before


def test_a_stopped_model_can_continue_training():
    image = noisy((48, 48))
    run = napari_sdap.iter_train(image, steps=50, stride=2, **TINY)
    model = next(run).model
    run.close()
    again = napari_sdap.train(image, model=model, steps=2)
    assert again is model and model.record.steps == 3


def test_an_error_inside_training_stops_cleanly():
    image = noisy((48, 48))
    calls = {"n": 0}

    def failing(x):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated device failure")
        return real(x)

    run = napari_sdap.iter_train(image, steps=10, stride=2, **TINY)
    first = next(run)
    real = first.model.network.forward
    first.model.network.forward = failing
    calls["n"] = 1
    with pytest.raises(RuntimeError, match="simulated device failure"):
        next(run)
    assert first.model.record.steps == 1
    assert _patch_threads() == []
    with pytest.raises(StopIteration):
        next(run)


def test_ctrl_c_during_denoise_returns_nothing(gray_model):
    stack = noisy((3, 24, 24))
    calls = {"n": 0}
    real = gray_model.net(gray_model.resolve_mode()).forward

    def interrupt(x):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(x)

    with mock.patch.object(gray_model.net(gray_model.resolve_mode()), "forward", interrupt):
        with pytest.raises(KeyboardInterrupt):
            gray_model.denoise(stack, "ZYX")


def test_stopping_denoise_leaves_unfinished_planes_untouched(gray_model):
    stack = noisy((3, 24, 24))
    out = np.full(stack.shape, np.nan, np.float32)
    run = gray_model.iter_denoise(stack, out, "ZYX")
    step = next(run)
    run.close()
    assert (step.done, step.total) == (1, 3)
    assert np.isfinite(out[0]).all()
    assert np.isnan(out[1:]).all()


@pytest.mark.parametrize(("device", "words"), [
    ("cuda:7", r"device 'cuda:7' is not available on this machine; available: .*cpu"),
    ("gpu", r"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' \(got 'gpu'\)"),
])
def test_unknown_or_absent_devices(gray_model, device, words):
    with pytest.raises(DeviceError, match=words):
        gray_model.denoise(noisy((16, 16)), device=device)
    with pytest.raises(DeviceError, match=words):
        napari_sdap.train(noisy((48, 48)), steps=1, stride=2, device=device, **TINY)


def test_unknown_inference_mode(gray_model):
    with pytest.raises(ConfigError, match=r"mode must be one of 'auto', 'student', 'sdap', "
                                          r"'sdap_e', 'bsn' "
                                          r"\(got 'fast'\)"):
        gray_model.denoise(noisy((16, 16)), mode="fast")


def test_untrained_model_cannot_denoise():
    model = napari_sdap.create_model("tiny", width=8, blocks=1)
    with pytest.raises(InputError, match=r"untrained.*train it first"):
        model.denoise(noisy((16, 16)))


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"steps": 0}, r"training\.steps: .*greater than or equal to 1"),
    ({"stride": "big"}, r"stride must be 'auto' or an integer 1\.\.8 \(got 'big'\)"),
    ({"stride": 9}, r"training\.stride: .*less than or equal to 8"),
    ({"depth": 3}, r"unknown setting 'depth'; known settings: .*blocks"),
    ({"preset": "huge"},
     r"preset must be one of \['fast', 'paper', 'tiny'\] or 'auto'.*\(got 'huge'\)"),
])
def test_bad_training_settings_are_refused_before_training(kwargs, words):
    args = {**TINY, "steps": 1, "stride": 2, **kwargs}
    with pytest.raises(ConfigError, match=words):
        napari_sdap.train(noisy((48, 48)), **args)


def test_ctrl_c_during_train_propagates_and_cleans_up(monkeypatch):
    from napari_sdap.training import loop

    real = loop.cyclic_loss
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "cyclic_loss", interrupted)
    with pytest.raises(KeyboardInterrupt):
        napari_sdap.train(noisy((48, 48)), steps=10, stride=2, **TINY)
    assert _patch_threads() == []
