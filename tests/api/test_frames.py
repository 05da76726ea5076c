"""The noise read from repeated frames of one view (`api.frames`, `TrainingConfig.frames`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api.frames import FRAME_SIGMAS, frame_axis, frame_covariance, partner
from napari_sdap.axes import plane_view
from napari_sdap.infer.noise_model import NoiseCurve

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 30}


@pytest.mark.parametrize(("shape", "axes", "mode", "pairs"), [
    ((3, 8, 8), "TYX", "auto", {0: 1, 1: 2, 2: 1}),
    ((2, 3, 8, 8), "TZYX", "auto", {0: 3, 4: 1, 5: 2}),  # along T, the same Z
    ((3, 2, 8, 8), "ZCYX", "independent", {0: 2, 1: 3, 5: 3}),  # along Z, the same channel
    ((4, 8, 8, 3), "ZYXC", "joint", {2: 3, 3: 2}),
])
def test_a_plane_pairs_with_the_next_frame_of_the_same_other_indices(shape, axes, mode, pairs):
    view = plane_view(shape, axes, mode)
    for n, m in pairs.items():
        assert partner(view, n) == m
        assert view.channel_group(n) == view.channel_group(m)


@pytest.mark.parametrize(("shape", "axes", "mode"), [
    ((8, 8), "YX", "auto"), ((8, 8, 3), "YXC", "joint"), ((1, 8, 8), "TYX", "auto"),
    ((3, 8, 8), "CYX", "independent")])
def test_an_image_of_one_frame_has_no_partner_plane(shape, axes, mode):
    view = plane_view(shape, axes, mode)
    assert frame_axis(view) is None
    assert all(partner(view, n) is None for n in range(view.n_planes))


def _box_noise(rng, shape, k=3, std=0.1):
    w = rng.normal(0.0, 1.0, (shape[0] + k - 1, shape[1] + k - 1))
    box = sum(w[dy:dy + shape[0], dx:dx + shape[1]] for dy in range(k) for dx in range(k))
    return std * box / k


def _flat_curve(var: float) -> NoiseCurve:
    return NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[var, var]]])


def test_the_covariance_of_two_frames_is_the_noise_s_even_on_texture():
    """Half the difference of two frames is noise alone: its variance and correlations, where
    a single textured frame reads the texture as noise."""
    from napari_sdap.infer.correlated import counted, noise_covariance

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:128, :128]
    clean = 0.5 + 0.3 * np.sin(xx / 1.3) * np.cos(yy / 1.7)  # fine texture everywhere
    a, b = (clean + _box_noise(rng, clean.shape) for _ in range(2))
    curve = _flat_curve(0.02)
    seen = [(a[None].astype(np.float32), clean[None].astype(np.float32), 0,
             b[None].astype(np.float32))]
    cov = frame_covariance(seen, curve)
    assert cov is not None
    assert cov.sill[(0, 0)] == pytest.approx(0.01, rel=0.1)  # std 0.1
    centre = cov.kernel.shape[0] // 2
    assert cov.kernel[centre, centre + 1] == pytest.approx(2 / 3, abs=0.06)  # 3 x 3 box
    assert cov.kernel[centre, centre + 3] == pytest.approx(0.0, abs=0.06)
    alone = noise_covariance([(a[None].astype(np.float32), a[None].astype(np.float32), 0,
                               counted(a[None].astype(np.float32)))], curve)
    assert alone is None or alone.sill[(0, 0)] > 1.3 * cov.sill[(0, 0)]


def _frames(n=2, seed=0):
    """Frames of one smooth view with 3 x 3 box-correlated noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    clean = 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 11.0)
    return np.stack([clean + _box_noise(rng, clean.shape) for _ in range(n)]).astype(np.float32)


def test_training_on_frames_reads_the_noise_from_them_and_tries_larger_blurs():
    model = napari_sdap.train(_frames(), "TYX", stride=2, frames=True, **TINY)
    assert model.config.training.frames is True
    est = model.record.output_blur
    assert est is not None and est["frames"] == 1.0
    assert {f"gain@{s:g}" for s in FRAME_SIGMAS} <= set(est)
    assert model.noise_curve.blur == est["sigma"] and est["sigma"] in (0.0, *FRAME_SIGMAS)
    if model.noise_curve.blur:
        assert "noise read from repeated frames" in model.describe_detail()


def test_a_list_of_single_frames_pairs_images_of_one_shape():
    frames = list(_frames(3, seed=2))
    model = napari_sdap.train(frames, "YX", stride=2, frames=True, **TINY)
    assert model.record.output_blur["frames"] == 1.0


def test_frames_on_an_image_of_one_frame_warn_and_read_it_alone(caplog):
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = napari_sdap.train(_frames(1)[0], "YX", stride=2, frames=True, **TINY)
    assert model.record.output_blur["frames"] == 0.0
    assert any("no image holds two frames" in r.getMessage() for r in caplog.records)


def test_frames_on_white_noise_say_they_change_nothing(caplog):
    rng = np.random.default_rng(3)
    stack = (0.5 + rng.normal(0.0, 0.1, (2, 64, 64))).astype(np.float32)
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        model = napari_sdap.train(stack, "TYX", stride=1, frames=True, student=False, **TINY)
    assert model.record.output_blur is None
    assert any("frames change nothing" in r.getMessage() for r in caplog.records)


def test_frames_that_differ_by_more_than_noise_are_read_alone(caplog):
    """Two different views ticked as frames: their difference is mostly signal, so the noise
    is read from each frame alone (and only the single-frame blurs are tried)."""
    from napari_sdap.infer.correlated import SIGMAS

    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:96, :96]
    views = [0.5 + 0.4 * np.sin(xx / 3.0) * np.cos(yy / 4.0),
             0.5 + 0.4 * np.cos(xx / 2.0 + yy / 5.0)]
    stack = np.stack([v + _box_noise(rng, v.shape) for v in views]).astype(np.float32)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = napari_sdap.train(stack, "TYX", stride=2, frames=True, **TINY)
    est = model.record.output_blur
    assert est["frames"] == 0.0 and {f"gain@{s:g}" for s in SIGMAS} == {
        k for k in est if k.startswith("gain@")}
    assert any("differ by more than noise" in r.getMessage() for r in caplog.records)
