"""Models trained on noise correlated along one axis: whitened, trained at stride 1, and their
output coloured back exactly in every inference path."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import TINY
from synthetic import smooth_image

from napari_sdap.api import load_model, train
from napari_sdap.training.noise import describe_noise


def scanned(axis: int = 1, seed: int = 0) -> np.ndarray:
    """A smooth image with a scanner's noise: AR(1) with coefficient 0.6 along `axis`."""
    from scipy.signal import lfilter

    clean = smooth_image((128, 128), seed=seed)  # (16 flat blocks: enough to read it)
    w = np.random.default_rng(seed).normal(0, 0.25, clean.shape)
    return (clean + lfilter([1.0], [1.0, -0.6], w, axis=axis)).astype(np.float32)


def _quick(**extra):
    return {**TINY, "steps": 2, "seed": 0, "device": "cpu", "student_steps": 4,
            "student_patch": 32, **extra}


def _he(net):
    """He-normal weights, so that outputs depend visibly on all of their context."""
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if hasattr(m, "mask"):
                    m.weight.mul_(m.mask)
    return net.eval()


@pytest.fixture(scope="module", name="whitened")
def whitened_fixture():
    from napari_sdap.model.student import StudentNet

    model = train(scanned(), **_quick(student=False))
    _he(model.network)
    model.student = _he(StudentNet(1, 8, (1, 2, 1)))
    return model


@pytest.mark.parametrize(("axis", "letter"), [(1, "X"), (0, "Y")])
def test_noise_along_one_axis_is_whitened(axis, letter):
    model = train(scanned(axis), **_quick(student=False))
    assert model.config.inference.whiten_axis == letter
    assert 0.4 < model.config.inference.whiten_coef < 0.6
    assert model.config.training.stride == 1
    assert model.record.noise["whitened"] == letter and model.record.noise["stride"] == 1
    assert f"correlated along {letter} only" in describe_noise(model.record.noise)


def test_whitening_can_be_turned_off():
    model = train(scanned(), **_quick(student=False, whiten=False))
    assert model.whitening is None and model.config.training.stride > 1


def test_white_noise_and_a_given_stride_are_not_whitened():
    clean = smooth_image((96, 96))
    noisy = clean + np.random.default_rng(3).normal(0, 0.2, clean.shape).astype(np.float32)
    assert train(noisy, **_quick(student=False)).whitening is None
    assert train(scanned(), **_quick(student=False, stride=1)).whitening is None
    known = train(scanned(), **_quick(student=False, noise_std=0.25))  # the recorded noise's
    assert known.whitening is None and known.config.training.stride > 1


def test_tiles_and_lazy_blocks_equal_the_whole_plane(whitened):
    noisy = scanned(seed=5)
    for mode in ("student", "bsn", "sdap_e"):
        whole = whitened.denoise(noisy, mode=mode, tile=512)
        tiled = whitened.denoise(noisy, mode=mode, tile=32)
        lazy = whitened.denoise(noisy, mode=mode, tile=40, lazy=True).compute()
        scale = float(np.abs(whole).max())
        np.testing.assert_allclose(tiled, whole, atol=1e-5 * scale)
        np.testing.assert_allclose(lazy, whole, atol=1e-5 * scale)


def test_the_output_is_coloured_back(whitened):
    """Without the colouring the output would keep the whitened noise's strength."""
    noisy = scanned(seed=6)
    out = whitened.denoise(noisy, mode="bsn")
    plain = np.diff(noisy, axis=1).std()
    assert np.diff(out, axis=1).std() < plain


def test_saved_and_loaded_models_keep_the_whitening(whitened, tmp_path):
    path = tmp_path / "line.sdap"
    whitened.save(path)
    again = load_model(path)
    assert again.whitening == whitened.whitening
    noisy = scanned(seed=7)
    np.testing.assert_array_equal(again.denoise(noisy), whitened.denoise(noisy))


def test_a_created_model_is_whitened_on_its_first_training():
    from napari_sdap.api import create_model

    settings = {k: v for k, v in _quick(student=False).items() if k not in ("steps", "device")}
    model = create_model(**settings)
    train(scanned(), model=model, steps=2, device="cpu")
    assert model.whitening is not None and model.config.training.stride == 1
    off = create_model(**settings, whiten=False)
    train(scanned(), model=off, steps=2, device="cpu")
    assert off.whitening is None and off.config.training.stride > 1


def test_a_whitening_set_by_hand_is_trained_with():
    from napari_sdap.api import create_model

    settings = {k: v for k, v in _quick(student=False).items() if k not in ("steps", "device")}
    model = create_model(**settings, whiten_axis="X", whiten_coef=0.5)
    train(scanned(), model=model, steps=2, device="cpu")
    assert model.config.inference.whiten_coef == 0.5  # kept, and the noise read on the
    assert model.record.noise["correlation_x"][0] < 0.25  # whitened image: stride 1
    assert model.config.training.stride == 1


def test_training_on_keeps_the_whitening():
    model = train(scanned(), **_quick(student=False))
    coef = model.config.inference.whiten_coef
    train(scanned(seed=9), model=model, steps=1, device="cpu")
    assert model.config.inference.whiten_coef == coef and model.whitening is not None


def test_the_student_fits_its_error_as_coloured_back(monkeypatch):
    """A whitened model's student is fitted through the colouring filter, on patches that keep
    their axes; a model of white noise keeps the plain loss and all eight turns."""
    import napari_sdap.api.distillation as distillation

    seen = []
    real = distillation.run_distillation

    def spy(student, cfg, sampler, *args, **kwargs):
        seen.append((kwargs.get("weigh"), sampler.keep_axes))
        return real(student, cfg, sampler, *args, **kwargs)

    monkeypatch.setattr(distillation, "run_distillation", spy)
    model = train(scanned(), **_quick())
    weigh, keep = seen[0]
    assert keep and weigh is not None and weigh.__self__ == model.whitening
    seen.clear()
    train(smooth_image((96, 96), seed=1) + np.random.default_rng(1).normal(
        0, 0.25, (96, 96)).astype(np.float32), **_quick())
    assert seen and seen[0] == (None, False)
