"""The blur of the student's targets (`StudentConfig.target_blur`, `api.target_blur`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import napari_sdap
from napari_sdap.errors import ConfigError
from napari_sdap.infer.smoothing import SIGMAS, Smoothing, blur, blur_radius

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "student_steps": 150, "student": True, "student_check": False, "target_blur": "auto"}


def _image(shape=(96, 96), seed=0, sigma=0.1):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[-2], : shape[-1]]
    clean = 0.5 + 0.3 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    return (clean + rng.normal(0, sigma, shape)).astype(np.float32)


def _capture(monkeypatch):
    """Record the `run` and halo the distillation builds its targets with."""
    from napari_sdap.api import distillation

    seen = {}
    original = distillation.teacher_targets

    def spy(run, read, views, halo, s, pixels, **kw):
        seen.update(run=run, read=read, halo=halo)
        return original(run, read, views, halo, s, pixels, **kw)

    monkeypatch.setattr(distillation, "teacher_targets", spy)
    return seen


def test_a_fixed_blur_is_what_the_student_learns(monkeypatch):
    """`target_blur=1.2`: the targets are the teacher's result blurred, read with the blur's
    extra halo, and the record says so; the student's output is smoother than one of plain
    targets."""
    img = _image()
    plain = napari_sdap.train(img, "YX", steps=30, stride=1, **{**TINY, "target_blur": 0.0})
    seen = _capture(monkeypatch)
    blurred = napari_sdap.train(img, "YX", steps=30, stride=1, **{**TINY, "target_blur": 1.2})
    assert plain.record.target_blur is None
    assert blurred.record.target_blur == {"sigma": 1.2}
    assert seen["halo"] - blur_radius(1.2) > 0
    from napari_sdap.infer.targets import teacher

    window = seen["read"](0, _whole(img))
    cpu = torch.device("cpu")
    base = teacher(blurred.network, cpu, "bsn", 1, None)(window, 0)[1]
    smoothed = teacher(blurred.network, cpu, "bsn", 1, None, sigma=1.2)(window, 0)[1]
    np.testing.assert_allclose(smoothed, blur(base, 1.2), atol=1e-6)
    assert not np.allclose(smoothed, base, atol=1e-3)
    for m in (plain, blurred):  # the student's own output, without a mix of blurred input
        m.noise_curve = m.noise_curve.model_copy(update={"mix": 0.0})
    rough = [np.abs(np.diff(m.denoise(img), axis=-1)).mean() for m in (plain, blurred)]
    assert rough[1] < 0.8 * rough[0]


def _whole(img):
    from napari_sdap.infer.tiling import Tile

    h, w = img.shape
    return Tile(0, slice(0, h), slice(0, w), slice(0, h), slice(0, w))


def test_no_blur_by_default():
    m = napari_sdap.train(_image(seed=1), "YX", steps=30, stride=1,
                          **{k: v for k, v in TINY.items() if k != "target_blur"})
    assert m.config.student.target_blur == 0.0 and m.record.target_blur is None


def test_auto_records_its_estimate_and_chooses_a_listed_blur():
    m = napari_sdap.train(_image(seed=1, sigma=0.2), "YX", steps=30, stride=1, **TINY)
    rec = m.record.target_blur
    assert rec is not None and set(rec) == {"sigma", "gain", "gain_se", "pixels"}
    assert rec["sigma"] in (0.0, *SIGMAS) and rec["pixels"] > 1000
    again = napari_sdap.train(_image(seed=1, sigma=0.2), "YX", model=m, steps=5, stride=1,
                              **{**TINY, "student": False})
    assert again.record.target_blur is None  # retrained without a student: nothing blurred


def test_auto_blurs_nothing_for_correlated_noise():
    """Stride 2 (noise correlated between neighbours): the estimate does not hold, no blur."""
    m = napari_sdap.train(_image(seed=2), "YX", steps=20, stride=2, **TINY)
    assert m.student is not None and m.record.target_blur is None


def test_the_estimate_decides_and_a_failing_one_blurs_nothing(monkeypatch, caplog):
    from napari_sdap.api import target_blur

    monkeypatch.setattr(target_blur, "choose_blur",
                        lambda *a, **k: Smoothing(0.7, 0.05, 0.01, 5000))
    m = napari_sdap.train(_image(seed=3), "YX", steps=20, stride=1, **TINY)
    assert m.record.target_blur == {"sigma": 0.7, "gain": 0.05, "gain_se": 0.01,
                                    "pixels": 5000}

    def fail(*a, **k):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(target_blur, "choose_blur", fail)
    m = napari_sdap.train(_image(seed=0), "YX", steps=30, stride=1,
                          **{**TINY, "student_steps": 300})
    assert m.student is not None and m.record.target_blur is None
    assert "they are not blurred" in caplog.text


@pytest.mark.parametrize("value", [-0.5, 3.5, "strong", float("nan")])
def test_a_bad_target_blur_is_refused_with_the_rule(value):
    with pytest.raises(ConfigError, match="target_blur"):
        napari_sdap.train(_image(), "YX", steps=1, **{**TINY, "target_blur": value})
