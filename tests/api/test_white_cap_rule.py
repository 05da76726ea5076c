"""Which models' noise curves get the white cap (`infer.texture.white_cap`): trained at stride 1
on near-Gaussian noise, not on photon noise of a few counts or correlated noise."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 5, "device": "cpu", "student": False}


def _clean() -> np.ndarray:
    yy, xx = np.mgrid[:128, :128]
    return 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 11.0)


def _gaussian(seed: int = 0) -> np.ndarray:
    return (100.0 * _clean() + np.random.default_rng(seed).normal(0, 5.0, (128, 128))
            ).astype(np.float32)


def _photons(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).poisson(4.0 * _clean()).astype(np.float32)


def _box(seed: int = 0) -> np.ndarray:
    w = np.random.default_rng(seed).normal(0, 1, (130, 130))
    noise = sum(w[dy:dy + 128, dx:dx + 128] for dy in range(3) for dx in range(3)) / 3.0
    return (100.0 * _clean() + 5.0 * noise).astype(np.float32)


@pytest.fixture
def seen(monkeypatch) -> list[bool]:
    """The `white` argument of every model-curve (not `plain`) measurement, in order."""
    import napari_sdap.infer.sample as sample

    out: list[bool] = []
    real = sample.estimate_curve

    def spy(*args, **kwargs):
        if not kwargs.get("plain"):
            out.append(kwargs.get("white", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(sample, "estimate_curve", spy)
    return out


@pytest.mark.parametrize(("image", "capped"), [(_gaussian, True), (_photons, False),
                                               (_box, False)])
def test_the_white_cap_goes_with_gaussian_noise_at_stride_1(seen, image, capped):
    model = napari_sdap.train(image(), "YX", **TINY)
    assert (model.config.training.stride == 1) == (image is not _box)
    assert seen == [capped]


def test_a_given_stride_of_1_reads_the_noise_for_the_cap(seen):
    """No noise record where the stride was given (as the README suggests for images textured
    everywhere): the skewness is read for the cap all the same."""
    for image, capped in ((_gaussian, True), (_photons, False)):
        seen.clear()
        model = napari_sdap.train(image(), "YX", stride=1, **TINY)
        assert model.record.noise is None and seen == [capped]
