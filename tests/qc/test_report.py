"""The quality check on synthetic data: white noise removed, structure removed, noise left,
PSNR / SSIM against known values, stacks read lazily, and the restore weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
from synthetic import correlated_noise, smooth_image

from napari_sdap.errors import InputError
from napari_sdap.qc import psnr, ssim
from napari_sdap.qc.metrics import ssim_map

SIGMA = 0.1


def _spots(n: int = 192, seed: int = 0) -> np.ndarray:
    """Smooth background and small bright spots (sigma 1.5 px) over the left half."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    img = 0.3 * smooth_image((n, n), seed=seed)
    for cy, cx in zip(rng.uniform(0, n, n // 2), rng.uniform(0, n // 2, n // 2), strict=True):
        img += 0.6 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 1.5**2))
    return img.astype(np.float32)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(img, sigma).astype(np.float32)


@pytest.fixture(name="flat_model", scope="module")
def flat_model_fixture():
    """An untrained tiny model given a known noise curve: std SIGMA at every intensity."""
    from napari_sdap.api import create_model
    from napari_sdap.infer.noise_model import NoiseCurve
    from napari_sdap.model.normalize import Normalization

    model = create_model("tiny", width=8, blocks=1)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    model.noise_curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[SIGMA**2, SIGMA**2]]])
    return model


@pytest.fixture(name="white")
def white_fixture():
    clean = _spots()
    noise = np.random.default_rng(1).normal(0, SIGMA, clean.shape).astype(np.float32)
    return clean, clean + noise


def test_removing_exactly_the_white_noise_passes(white, flat_model):
    from napari_sdap.api import quality_report

    clean, noisy = white
    report = quality_report(noisy, clean, model=flat_model, reference=clean, device="cpu")
    assert max(map(abs, report.residual_correlation_x + report.residual_correlation_y)) < 0.05
    assert max(map(abs, report.noise_correlation_x[:1] + report.noise_correlation_y[:1])) < 0.1
    ratios = [b.ratio for b in report.bands]
    assert len(ratios) == 8 and min(ratios) > 0.9 and max(ratios) < 1.1
    assert report.structure_fraction < 0.002
    assert report.ok, report.summary()
    assert report.reference["psnr"] == float("inf") and report.reference["ssim"] == 1.0
    assert report.reference["psnr_input"] == pytest.approx(psnr(clean, noisy, np.ptp(clean)))
    assert 0.0 <= report.restore["fraction"] <= 1.0 and report.restore["mode"] == "sdap_e"
    assert "No warnings" in report.summary()


def test_an_output_that_removed_nothing_or_little_is_flagged(white, flat_model):
    from napari_sdap.api import quality_report

    clean, noisy = white
    same = quality_report(noisy, noisy.copy(), model=flat_model)
    assert [f.code for f in same.flags] == ["nothing_removed"]
    kept = noisy + 0.05 * (clean - noisy)  # 5 % of the noise removed
    little = quality_report(noisy, kept, model=flat_model)
    assert "little_removed" in [f.code for f in little.flags]
    assert "little_removed" not in [f.code for f in quality_report(noisy, clean,
                                                                    model=flat_model).flags]


def test_a_whitening_model_s_noise_is_compared_as_recorded(white):
    """A model that whitens along X carries the whitened noise's curve, (1 + a) / (1 - a)
    times the recorded variance: the report compares the recorded noise with it filtered back."""
    from scipy.signal import lfilter

    from napari_sdap.api import create_model, quality_report
    from napari_sdap.infer.noise_model import NoiseCurve
    from napari_sdap.model.normalize import Normalization

    model = create_model("tiny", width=8, blocks=1)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    model.config.inference = model.config.inference.model_copy(
        update={"whiten_axis": "X", "whiten_coef": 0.5})
    model.noise_curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[3 * SIGMA**2] * 2]])
    clean = white[0]
    w = np.random.default_rng(2).normal(0, SIGMA * np.sqrt(3.0), clean.shape)
    noisy = (clean + lfilter([0.5], [1.0, -0.5], w, axis=1)).astype(np.float32)
    report = quality_report(noisy, clean, model=model, reference=clean, device="cpu")
    ratios = [b.ratio for b in report.bands]
    assert min(ratios) > 0.85 and max(ratios) < 1.15, ratios
    assert report.restore is None and any("whitens its input" in n for n in report.notes)


def test_a_denoiser_that_blurs_structure_is_flagged(white, flat_model):
    from napari_sdap.api import quality_report

    clean, noisy = white
    report = quality_report(noisy, _blur(noisy, 2.0), model=flat_model, reference=clean)
    codes = {f.code for f in report.flags}
    assert "structure_removed" in codes, report.summary()
    assert report.structure_fraction > 0.03
    assert max(b.ratio for b in report.bands) > 1.3  # the spots' band lost more than noise
    # without a model the median local energy stands in for the noise: still flagged
    plain = quality_report(noisy, _blur(noisy, 2.0))
    assert "structure_removed" in {f.code for f in plain.flags}
    assert all(b.noise_std is None and b.ratio is None for b in plain.bands)
    assert not report.ok and "Warnings:" in report.summary()


def test_correlated_noise_left_in_the_output_is_flagged():
    from napari_sdap.api import quality_report

    clean = _spots(seed=2)
    white = np.random.default_rng(3).normal(0, 0.05, clean.shape).astype(np.float32)
    box = correlated_noise(clean.shape, SIGMA, seed=4)
    noisy = clean + white + box
    report = quality_report(noisy, clean + box)  # only the white part removed
    assert max(report.noise_correlation_x[0], report.noise_correlation_y[0]) > 0.3
    assert abs(report.residual_correlation_x[0]) < 0.05
    assert "noise_left" in {f.code for f in report.flags}
    oracle = quality_report(noisy, clean)  # all of the (correlated) noise removed
    assert oracle.ok, oracle.summary()
    assert oracle.excess_factor == 3.0


def test_psnr_and_ssim_known_values():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (40, 50))
    assert ssim(x, x, 1.0) == pytest.approx(1.0)
    assert psnr(np.zeros((8, 8)), np.full((8, 8), 0.1), 1.0) == pytest.approx(20.0)
    assert psnr(x, x, 1.0) == float("inf")
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1)
    # independent computation at a few pixels: explicit 11 x 11 Gaussian weights
    t = np.arange(-5, 6)
    g = np.exp(-t**2 / (2 * 1.5**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    smap = ssim_map(x, y, 1.0)
    for i, j in ((5, 5), (17, 30), (34, 44)):
        a, b = x[i - 5:i + 6, j - 5:j + 6], y[i - 5:i + 6, j - 5:j + 6]
        ma, mb = (w * a).sum(), (w * b).sum()
        va, vb = (w * a * a).sum() - ma**2, (w * b * b).sum() - mb**2
        cov = (w * a * b).sum() - ma * mb
        c1, c2 = 0.01**2, 0.03**2
        expect = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
        assert smap[i - 5, j - 5] == pytest.approx(expect, rel=1e-9)
    assert smap.shape == (30, 40)
    assert ssim(x, y, 1.0) == pytest.approx(smap.mean())
    assert ssim(x, y, 1.0) < ssim(x, (x + y) / 2, 1.0) < 1.0
    with pytest.raises(ValueError, match="at least 11"):
        ssim(x[:8], y[:8], 1.0)


def test_ssim_agrees_with_scikit_image_when_installed():
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    x = smooth_image((64, 64))
    y = x + rng.normal(0, 0.1, x.shape)
    ours = ssim(x, y, 1.0)
    theirs = metrics.structural_similarity(x, y, data_range=1.0, gaussian_weights=True,
                                           sigma=1.5, use_sample_covariance=False)
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_stack_reads_only_sampled_windows_of_a_lazy_array():
    import dask.array as da

    from napari_sdap.api import quality_report

    rng = np.random.default_rng(0)
    clean = np.stack([smooth_image((96, 128), seed=k) for k in range(20)])
    noisy = clean + rng.normal(0, SIGMA, clean.shape).astype(np.float32)
    reads: list[tuple] = []

    class Counting:
        shape, dtype, ndim = noisy.shape, noisy.dtype, noisy.ndim

        def __getitem__(self, index):
            reads.append(index)
            return noisy[index]

    report = quality_report(Counting(), da.from_array(clean, chunks=(1, 96, 128)), axes="ZYX",
                            planes=4, window=64)
    assert report.planes == 20 and len(report.windows) == 4
    assert all(w.pixels == 64 * 64 for w in report.windows)
    assert {w.where.split(",")[0] for w in report.windows} == {"Z=0", "Z=6", "Z=13", "Z=19"}
    assert reads and all(isinstance(idx[0], (int, np.integer)) for idx in reads)  # one Z each
    assert report.ok, report.summary()
    json.dumps(report.to_dict(), allow_nan=False)


def test_report_as_json_and_errors(white):
    from napari_sdap.api import quality_report
    from napari_sdap.qc import SCHEMA

    clean, noisy = white
    data = quality_report(noisy, clean, reference=clean).to_dict()
    text = json.dumps(data, allow_nan=False)  # inf PSNR became null
    assert json.loads(text)["reference"]["psnr"] is None
    assert data["schema"] == SCHEMA and data["ok"] is True
    assert {"residual_correlation_x", "noise_correlation_y", "bands", "structure_fraction",
            "windows", "flags", "restore", "notes"} <= set(data)
    assert "crops" not in data
    import napari_sdap
    from napari_sdap import api

    assert napari_sdap.quality_report is api.quality_report
    with pytest.raises(InputError, match="same shape"):
        quality_report(noisy, clean[:-1])
    with pytest.raises(InputError, match="same shape"):
        quality_report(noisy, clean, reference=clean.T[:10])
    broken = clean.copy()
    broken[3, 3] = np.nan
    with pytest.raises(InputError, match=r"^the denoised image: .*1 NaN"):
        quality_report(noisy, broken)


def test_restore_weights_match_the_detail_restore(noisy_pair):
    """The share of pixels given input back, recomputed by the check, equals where the model's
    own restored output differs from its network output."""
    from napari_sdap.api import quality_report, train
    from napari_sdap.infer.refine import apply_curve, restore_weight

    _, noisy = noisy_pair
    model = train(noisy, steps=3, stride=2, preset="tiny", width=8, blocks=1, batch_size=4,
                  patch_size=24, student=False, device="cpu")
    # a 3-step network misses so much that a low threshold gives input back everywhere
    # (and no output blur, which would move every pixel)
    model.noise_curve = model.noise_curve.model_copy(
        update={"strength": 1.0, "threshold": 4.0, "blur": 0.0})
    mode = model.resolve_mode()
    mu = model.denoise(noisy, mode=mode, detail=False, device="cpu")
    full = model.denoise(noisy, mode=mode, detail=True, device="cpu")
    report = quality_report(noisy, full, model=model, device="cpu")
    given = np.mean(np.abs(full - mu) > 1e-6)
    assert 0.0 < given < 1.0
    assert report.restore["fraction"] == pytest.approx(given, abs=0.01)
    import torch

    x, m = torch.rand(1, 1, 20, 20), torch.rand(1, 1, 20, 20)
    w = restore_weight(x, m, model.noise_curve, [0])
    assert torch.equal(apply_curve(x, m, model.noise_curve, [0]), m + w * (x - m))
    assert float(w.min()) >= 0.0 and float(w.max()) <= 1.0


def test_independent_channels_are_checked_each_against_its_own_noise():
    from napari_sdap.api import create_model, quality_report
    from napari_sdap.infer.noise_model import NoiseCurve
    from napari_sdap.model.normalize import Normalization

    rng = np.random.default_rng(4)
    clean = np.stack([_spots(96, seed=0), 10 * _spots(96, seed=1)])  # C Y X, scales 1 and 10
    noisy = clean + rng.normal(0, 1, clean.shape).astype(np.float32) * np.array(
        [SIGMA, 10 * SIGMA], np.float32)[:, None, None]
    model = create_model("tiny", width=8, blocks=1, channel_mode="independent")
    model.normalization = Normalization(low=[0.0, 0.0], high=[1.0, 10.0])
    model.noise_curve = NoiseCurve(levels=[[[0.0, 1.0]], [[0.0, 1.0]]],
                                   variance=[[[SIGMA**2] * 2], [[SIGMA**2] * 2]])
    report = quality_report(noisy, clean, model=model, axes="CYX", device="cpu")
    assert {b.channel for b in report.bands} == {0, 1}
    for channel, std in ((0, SIGMA), (1, 10 * SIGMA)):
        mine = [b for b in report.bands if b.channel == channel]
        assert all(b.noise_std == pytest.approx(std) for b in mine)
        assert all(0.85 < b.ratio < 1.15 for b in mine)
    assert report.ok, report.summary()
    assert report.planes == 1 and len(report.windows) == 1  # the whole (small) plane
    assert report.windows[0].pixels == 2 * 96 * 96


def test_a_large_plane_is_read_in_a_few_distinct_windows():
    from napari_sdap.api import quality_report

    clean = smooth_image((300, 260))
    noisy = clean + np.random.default_rng(0).normal(0, SIGMA, clean.shape).astype(np.float32)
    report = quality_report(noisy, clean, planes=4, window=64)
    assert len(report.windows) == 4 and len({w.where for w in report.windows}) == 4
    assert sum(w.pixels for w in report.windows) == 4 * 64 * 64
    assert report.ok, report.summary()


def test_lag_correlations_of_known_noise():
    from napari_sdap.training.noise import lag_correlations

    white = np.random.default_rng(0).normal(0, 1, (256, 256))
    cx, cy = lag_correlations(white)
    assert max(map(abs, cx + cy)) < 0.02
    cx, cy = lag_correlations(correlated_noise((256, 256), 1.0, k=3))
    np.testing.assert_allclose(cx, [2 / 3, 1 / 3, 0, 0], atol=0.04)
    np.testing.assert_allclose(cy, [2 / 3, 1 / 3, 0, 0], atol=0.04)
    assert lag_correlations(np.ones((8, 8))) == ([0.0] * 4, [0.0] * 4)


def test_reference_scores_do_not_overflow_and_another_scale_is_noted(white):
    from napari_sdap.api import quality_report

    clean, noisy = white
    base = quality_report(noisy, clean + 0.01, reference=clean).reference
    big = np.float32(1e30)
    huge = quality_report(noisy * big, (clean + 0.01) * big, reference=clean * big).reference
    assert huge["psnr"] == pytest.approx(base["psnr"], abs=1e-3)  # was -inf (null in JSON)
    assert huge["psnr_input"] == pytest.approx(base["psnr_input"], abs=1e-3)
    scaled = quality_report(noisy, clean, reference=clean / 255)
    assert any("another scale" in note for note in scaled.notes)
    assert not any("another scale" in note for note in quality_report(noisy, clean,
                                                                       reference=clean).notes)
