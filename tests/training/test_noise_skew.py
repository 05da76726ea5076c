"""The noise's skewness and the training loss chosen from it (`training.noise.choose_loss`)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import box2, clipped_photons, correlated_noise, smooth_image

from napari_sdap.axes import plane_view
from napari_sdap.clipping import CLIPPED, clipped_ends
from napari_sdap.training.noise import (
    DARK_CLIP,
    SKEWED,
    NoiseEstimate,
    check_noise_record,
    choose_loss,
    describe_noise,
    estimate_noise,
)


def _estimate(image):
    return estimate_noise([(image, plane_view(image.shape, None))])


def test_choose_loss():
    assert choose_loss(2, SKEWED, True) == "l2"
    assert choose_loss(3, 1.5, True) == "l2"
    assert choose_loss(2, SKEWED - 0.01, True) == "l1"
    assert choose_loss(2, -0.5, True) == "l1"  # a sRGB curve skews camera noise the other way
    assert choose_loss(2, 1.0, False) == "l1"  # no clip: the median lies near the mean
    assert choose_loss(1, 2.0, True) == "l1"  # stride 1: the bias correction takes the median out
    assert choose_loss(2, None, True) == "l1"


def test_clipped_correlated_photon_noise_is_trained_with_l2():
    est = _estimate(clipped_photons())  # a dark background
    assert est.stride == 2 and est.dark_clip
    assert est.skew > SKEWED and est.loss == "l2"
    assert "loss l2" in describe_noise(est) and "skewness +" in describe_noise(est)
    assert "dark background clipped" in describe_noise(est)


def test_unclipped_photon_noise_keeps_l1():
    rng = np.random.default_rng(0)
    photons = 2.0 + 6.0 * smooth_image((129, 129))
    noise = box2(rng.poisson(photons) - photons)
    est = _estimate((photons[:-1, :-1] + noise).astype(np.float32))
    assert est.stride == 2 and est.skew > SKEWED and not est.dark_clip and est.loss == "l1"
    assert "clipped" not in describe_noise(est)


def test_correlated_gaussian_noise_keeps_l1():
    img = smooth_image((128, 128)) + correlated_noise((128, 128), 0.1, k=2)
    est = _estimate(img)
    assert est.stride == 2
    assert abs(est.skew) < SKEWED and est.loss == "l1"
    assert "loss" not in describe_noise(est).split("->")[1]


def test_a_few_dark_pixels_at_zero_are_no_clipped_background():
    # photon noise at 4-12 photons with one small dark corner: 4 % of the pixels at 0, piled
    # up there (a clip for the bias correction) but no background cut off
    rng = np.random.default_rng(0)
    photons = 4.0 + 8.0 * smooth_image((129, 129))
    photons[:24, :24] = 0.1
    noise = box2(rng.poisson(photons) - photons)
    img = np.clip(np.round(photons[:-1, :-1] + noise), 0, None).astype(np.float32)
    assert clipped_ends(img, CLIPPED)[0] and 0.01 < np.mean(img == 0) < DARK_CLIP
    est = _estimate(img)
    assert est.stride == 2 and est.skew > SKEWED and not est.dark_clip and est.loss == "l1"


def test_raw_photon_counts_are_trained_with_l2():
    """Pure Poisson counts (a photon-counting detector): their zeros read as a clipped
    background, which turned the bias correction off, and L1 left the background dark."""
    rng = np.random.default_rng(1)
    photons = 0.5 + 12.0 * np.maximum(smooth_image((128, 128)) - 0.4, 0.0)
    counts = rng.poisson(photons).astype(np.float32)
    est = _estimate(counts)
    assert est.stride == 1 and est.skew > SKEWED and est.dark_clip and est.counts
    assert est.loss == "l2" and "photon counts with many zeros" in describe_noise(est)
    assert choose_loss(1, 1.0, True, counts=True) == "l2"
    assert choose_loss(1, 1.0, False, counts=True) == "l1"  # few zeros: the correction works


@pytest.mark.parametrize("kind", ["gain", "read"])
def test_camera_photon_noise_at_stride_one_keeps_l1(kind):
    """Counts through a camera's gain, or with read noise, are not raw counts."""
    rng = np.random.default_rng(1)
    photons = 0.5 + 12.0 * np.maximum(smooth_image((128, 128)) - 0.4, 0.0)
    img = rng.poisson(photons) * (4.0 if kind == "gain" else 1.0)
    if kind == "read":
        img = np.clip(np.round(img + rng.normal(0, 1.5, img.shape)), 0, None)
    est = _estimate(img.astype(np.float32))
    assert est.stride == 1 and est.dark_clip and not est.counts and est.loss == "l1"


def test_negative_skew_keeps_l1():
    rng = np.random.default_rng(2)
    noise = box2(1.0 - rng.exponential(1.0, (129, 129)))  # skewed the other way
    signal = 20 * np.maximum(smooth_image((128, 128)) - 0.4, 0.0)  # a dark background
    est = _estimate(np.clip(signal + noise, 0, None).astype(np.float32))
    assert est.stride == 2 and est.dark_clip and est.skew < -SKEWED and est.loss == "l1"


def test_skew_is_read_clear_of_the_clip():
    # symmetric correlated noise on a background clipped at 0: the blocks that reach the clip
    # hold a pile at 0 and would read skewed; the ones clear of it must decide
    rng = np.random.default_rng(3)
    signal = np.zeros((256, 256), np.float32)
    signal[:, 128:] = 60.0
    img = np.clip(np.round(signal + 6 * box2(rng.normal(0, 1, (257, 257)))), 0, 255)
    assert (img == 0).mean() > 0.2
    est = _estimate(img.astype(np.float32))
    assert est.stride == 2 and est.dark_clip and abs(est.skew) < SKEWED and est.loss == "l1"


def test_every_block_at_the_clip_reads_all_blocks():
    # a few photons everywhere, correlated, rounded and clipped at 0: no block is clear of it
    est = _estimate(clipped_photons(0.3, 1.5, seed=4, floor=0.0))
    assert est.stride == 2 and est.skew > SKEWED and est.loss == "l2"


@pytest.mark.parametrize("extra", [{}, {"skew": 0.3, "dark_clip": True, "loss": "l2"}])
def test_records_with_and_without_the_skew_load(extra):
    record = {"correlation_x": [0.5, 0.1, 0, 0], "correlation_y": [0.5, 0.1, 0, 0],
              "stride": 2, "mode": "sdap_e", "blocks": 10, "notes": [], **extra}
    checked = check_noise_record(record)
    assert checked["loss"] == extra.get("loss", "l1")
    assert "stride 2" in describe_noise(NoiseEstimate(**checked))


def test_a_record_with_an_unknown_loss_is_refused():
    record = {"correlation_x": [0.5] * 4, "correlation_y": [0.5] * 4, "stride": 2,
              "mode": "sdap_e", "loss": "huber"}
    with pytest.raises(ValueError):
        check_noise_record(record)
