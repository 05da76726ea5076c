"""Weak noise over texture: the flattest sixteenth of the blocks tells texture from correlated
noise (`training.noise.texture_read`)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image

from napari_sdap.axes import plane_view
from napari_sdap.training.noise import (
    FLATTEST,
    WHITE_THRESHOLD,
    NoiseEstimate,
    check_noise_record,
    describe_noise,
    estimate_noise,
    texture_read,
)

SIZE = 512
FLAT = 160
"""A flat corner of 100 blocks: more than the flattest sixteenth (64 of 1024), less than the
quarter (256)."""


def _textured(noise: np.ndarray) -> np.ndarray:
    """A 512 x 512 image textured everywhere but in one flat corner, plus `noise`."""
    texture = correlated_noise((SIZE, SIZE), 0.5, seed=5, k=3)
    texture[:FLAT, :FLAT] = 0.0
    return (smooth_image((SIZE, SIZE)) + texture + noise).astype(np.float32)


def _estimate(image: np.ndarray) -> NoiseEstimate:
    return estimate_noise([(image, plane_view(image.shape, None))])


def test_weak_white_noise_over_texture_is_white():
    noise = np.random.default_rng(0).normal(0, 0.05, (SIZE, SIZE))
    est = _estimate(_textured(noise))
    assert max(est.correlation_x[0], est.correlation_y[0]) >= 0.3  # the quarter reads texture
    assert est.flattest is not None and max(est.flattest) < 0.1
    assert est.texture and est.stride == 1 and est.mode == "bsn"
    assert "texture" in describe_noise(est)


def test_correlated_noise_over_texture_keeps_its_stride():
    est = _estimate(_textured(correlated_noise((SIZE, SIZE), 0.05, seed=2, k=2)))
    assert est.flattest is not None and min(est.flattest) > 0.35  # box noise: 0.5 at lag 1
    assert not est.texture and est.stride == 2


def test_white_noise_on_a_smooth_image_reads_white_in_both():
    img = smooth_image((SIZE, SIZE)) + np.random.default_rng(1).normal(0, 0.05, (SIZE, SIZE))
    est = _estimate(img.astype(np.float32))
    assert est.stride == 1 and not est.texture  # white already: not a texture verdict
    assert est.flattest is not None and max(abs(v) for v in est.flattest) < 0.1


def test_flattest_blocks_holding_rounding_alone_are_not_read():
    """JPEG flattens a photograph's smooth areas to rounding: an integer image whose flattest
    sixteenth holds no noise keeps the quarter's verdict."""
    noise = correlated_noise((SIZE, SIZE), 5.0, seed=2, k=2)  # 5 grey levels, 0.5 at lag 1
    noise[:FLAT, :FLAT] = 0.0  # the flat corner: rounding alone
    img = np.round(100.0 * _textured(np.zeros((SIZE, SIZE))) + noise)
    est = _estimate(img.astype(np.float32))
    assert est.flattest is None and not est.texture and est.stride > 1
    white = np.random.default_rng(3).normal(0, 2.0, (FLAT, FLAT))  # noise beyond rounding
    img[:FLAT, :FLAT] = np.round(img[:FLAT, :FLAT] + white)
    est = _estimate(img.astype(np.float32))
    assert est.flattest is not None and est.texture and est.stride == 1


def test_small_images_have_no_sixteenth():
    side = 16 * (FLATTEST - 1)  # 15 x 15 blocks: fewer than 16 x 16
    img = np.random.default_rng(2).normal(0, 1, (side, side)).astype(np.float32)
    assert _estimate(img).flattest is None


@pytest.mark.parametrize(("flattest", "stride", "expected"), [
    ([0.05, 0.1], 2, True), ([0.05, 0.31], 2, False), ([0.05, 0.1], 1, False),
    ([-0.6, 0.1], 3, False),  # a fit gone wrong, not a reading
    (None, 2, False)])
def test_texture_read(flattest, stride, expected):
    assert texture_read(flattest, stride, WHITE_THRESHOLD) is expected


@pytest.mark.parametrize(("flattest", "white"), [
    ([0.02, 0.01], True), ([0.6, 0.02], False), (None, False), ([-0.4, 0.0], False)])
def test_a_white_flattest_reading_rules_out_whitening(flattest, white):
    """Texture along one axis can read as a scan line's correlation; the whitening rule is not
    asked where the flattest blocks read white (`api.training`)."""
    est = NoiseEstimate([0.3, 0.1, 0, 0], [0.05, 0, 0, 0], stride=1, mode="bsn",
                        flattest=flattest)
    assert est.flat_white is white


def test_records_with_and_without_the_reading_load():
    base = {"correlation_x": [0.4, 0.1, 0, 0], "correlation_y": [0.4, 0.1, 0, 0],
            "stride": 1, "mode": "bsn"}
    assert check_noise_record(base)["texture"] is False  # a record written before
    new = check_noise_record({**base, "flattest": [0.02, 0.03], "texture": True})
    assert new["flattest"] == [0.02, 0.03]
    assert "0.03 at lag 1" in describe_noise(new)


def _scan_noise(sigma: float, coef: float = 0.6, seed: int = 3) -> np.ndarray:
    """AR(1) noise along X (a scanner's detector bandwidth), unit-variance white noise filtered
    and scaled to std `sigma`."""
    white = np.random.default_rng(seed).normal(0.0, 1.0, (SIZE, SIZE))
    out = np.empty_like(white)
    out[:, 0] = white[:, 0]
    for x in range(1, SIZE):
        out[:, x] = coef * out[:, x - 1] + np.sqrt(1.0 - coef * coef) * white[:, x]
    return sigma * out


def test_scanner_noise_over_texture_is_whitened_from_the_flattest_blocks():
    """Texture in the flattest quarter reads as correlation across the scan line too; the
    flattest sixteenth (the flat corner) reads the noise alone, and the rule takes it."""
    from napari_sdap.infer.whiten import choose_whitening

    texture = correlated_noise((SIZE, SIZE), 0.5, seed=5, k=4)
    texture[:FLAT, :FLAT] = 0.0
    est = _estimate((smooth_image((SIZE, SIZE)) + texture + _scan_noise(0.05)).astype(np.float32))
    assert est.sixteenth is not None
    (fx1, _), (fy1, fy2) = est.sixteenth
    assert fx1 > 0.45 and abs(fy1) < 0.15 and abs(fy2) < 0.15  # the corner: noise alone
    assert est.correlation_y[1] > 0.15  # the quarter: texture across, at lag 2 too
    assert choose_whitening(est.correlation_x, est.correlation_y) is None
    white = choose_whitening(est.correlation_x, est.correlation_y, est.sixteenth)
    assert white is not None and white.axis == "X"
    assert check_noise_record(asdict(est))["flattest_lag2"] == est.flattest_lag2
