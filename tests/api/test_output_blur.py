"""The output blur of models trained for correlated noise (`api.output_blur`)."""

from __future__ import annotations

import logging

import numpy as np
import torch

import napari_sdap
from napari_sdap.infer.correlated import SIGMAS
from napari_sdap.infer.gaussian import gaussian
from napari_sdap.infer.smoothing import Smoothing

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 40}


def _image(seed=0):
    """A smooth image with 2 x 2 box-correlated noise (stride 2 is what the analysis reads)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:97, :97]
    clean = 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 11.0)
    w = rng.normal(0, 0.1, (98, 98))
    noise = (w[:-1, :-1] + w[1:, :-1] + w[:-1, 1:] + w[1:, 1:]) / 2.0
    return (clean + noise).astype(np.float32)


def test_a_stride_2_model_records_its_choice_in_the_curve():
    model = napari_sdap.train(_image(), "YX", stride=2, **TINY)
    est = model.record.output_blur
    assert est is not None
    assert set(est) == {"sigma", "gain", "gain_se", "pixels", "frames",
                        *(f"gain@{s:g}" for s in SIGMAS)}
    assert est["frames"] == 0.0  # read from each frame alone (the default)
    assert est["gain"] == max(est[f"gain@{s:g}"] for s in SIGMAS)
    assert model.noise_curve.blur == est["sigma"] and est["sigma"] in (0.0, *SIGMAS)
    assert est["pixels"] > 1000


def test_a_stride_1_model_is_never_blurred():
    model = napari_sdap.train(_white(), "YX", **{**TINY, "steps": 80}, stride=1, student=True,
                              student_steps=150, student_check=False)
    assert model.student is not None
    assert model.record.output_blur is None and model.noise_curve.blur == 0.0


def test_a_forced_student_s_output_is_judged_after_the_distillation(monkeypatch):
    """At stride 2 with a student (forced on), the default output is the student's: the
    estimate runs once the student is attached, through the student."""
    from napari_sdap.api import output_blur as module

    seen = []
    original = module.teacher

    def spy(net, device, mode, *args, **kwargs):
        seen.append((net, mode))
        return original(net, device, mode, *args, **kwargs)

    monkeypatch.setattr(module, "teacher", spy)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    image = (0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0) + rng.normal(0, 0.1, (64, 64)))
    model = napari_sdap.train(image.astype(np.float32), "YX", **{**TINY, "steps": 12},
                              stride=2, student=True, student_steps=150)
    assert model.student is not None, "the case needs a kept student"
    assert seen == [(model.student, "student")]
    assert model.noise_curve.blur_mode == "student" or model.noise_curve.blur == 0.0


def test_a_3d_model_is_never_blurred():
    stack = np.stack([_white(seed=s) for s in range(6)])
    model = napari_sdap.train(stack, "ZYX", dims=3, student=False, **TINY)
    assert model.record.output_blur is None


def _white(seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    clean = 0.3 + sum(0.4 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 60.0)
                      for cx, cy in ((20, 30), (70, 25), (45, 70), (80, 80)))
    return (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)


def _chosen(monkeypatch, sigma):
    from napari_sdap.infer import correlated

    def fixed(run, windows, curve, seed=0, sigmas=SIGMAS, cov=None):
        list(windows)
        return Smoothing(sigma, 0.05, 0.01, 4096, ((sigma, 0.05),))

    monkeypatch.setattr("napari_sdap.api.output_blur.choose_output_blur", fixed)
    assert correlated.choose_output_blur is not fixed  # only the api's name is replaced


def test_the_chosen_blur_is_in_the_output_and_the_file(monkeypatch, tmp_path):
    """The output is the sharp output blurred; the blur travels in the model file, shows in
    `describe_detail`, and `detail=False` (the network alone) has none."""
    _chosen(monkeypatch, 1.5)
    image = _image(1)
    model = napari_sdap.train(image, "YX", stride=2, **TINY)
    assert model.noise_curve.blur == 1.5 and model.record.output_blur["sigma"] == 1.5
    out = model.denoise(image, "YX", device="cpu")
    sharp_curve = model.noise_curve.model_copy(update={"blur": 0.0})
    blurred_curve, model.noise_curve = model.noise_curve, sharp_curve
    sharp = model.denoise(image, "YX", device="cpu")
    model.noise_curve = blurred_curve
    want = gaussian(torch.from_numpy(sharp)[None, None], 1.5)[0, 0].numpy()
    np.testing.assert_allclose(out, want, atol=2e-5)
    plain = model.denoise(image, "YX", device="cpu", detail=False)
    assert not np.allclose(plain, out, atol=1e-3)
    default = model.resolve_mode("auto")
    assert model.noise_curve.blur_mode == default and model.refine(mode=default).blur == 1.5
    assert model.refine(False, default).blur == 0.0  # the network alone: no blur either
    assert model.refine(mode="sdap").blur == model.refine().blur == 0.0  # chosen for the default
    assert "then the output blurred by 1.5 px (estimated error 5.0 %" in model.describe_detail()
    loaded = napari_sdap.load_model(model.save(tmp_path / "m.sdap"))
    assert loaded.noise_curve.blur == 1.5
    np.testing.assert_array_equal(loaded.denoise(image, "YX", device="cpu"), out)


def test_a_failing_estimate_blurs_nothing(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr("napari_sdap.api.output_blur.choose_output_blur", broken)
    with caplog.at_level(logging.WARNING):
        model = napari_sdap.train(_image(), "YX", stride=2, **TINY)
    assert model.noise_curve is not None and model.noise_curve.blur == 0.0
    assert model.record.output_blur is None
    assert "could not estimate whether a blur of the output helps" in caplog.text


def test_training_on_measures_the_blur_afresh(monkeypatch):
    """A model trained on gets a new curve, and with it a new choice."""
    _chosen(monkeypatch, 1.0)
    model = napari_sdap.train(_image(), "YX", stride=2, **TINY)
    assert model.noise_curve.blur == 1.0
    _chosen(monkeypatch, 0.0)
    model = napari_sdap.train(_image(2), "YX", model=model, steps=5)
    assert model.noise_curve.blur == 0.0 and model.record.output_blur["sigma"] == 0.0


def _rgb(seed=0):
    """A smooth RGB image (Y, X, C) with 2 x 2 box-correlated noise mostly in its colour."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:80, :80]
    base = 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 11.0)
    clean = np.stack([base, 0.9 * base + 0.05, 0.8 * base + 0.1], axis=-1)
    w = rng.normal(0, 0.1, (81, 81, 3))
    box = (w[:-1, :-1] + w[1:, :-1] + w[:-1, 1:] + w[1:, 1:]) / 2.0
    box -= box.mean(axis=-1, keepdims=True) * 0.8  # mostly colour, as after demosaicing
    return (clean + box).astype(np.float32)


def test_an_rgb_model_chooses_a_colour_blur_and_keeps_it(tmp_path):
    """At stride 2 an RGB model also estimates a blur of its output's colour alone: recorded
    with the output blur, applied after it, exact in tiles, saved with the model."""
    from napari_sdap.infer.colour import COLOUR_SIGMAS

    image = _rgb()
    model = napari_sdap.train(image, "YXC", stride=2, **TINY)
    est, c = model.record.output_blur, model.noise_curve
    assert {"colour_sigma", "colour_gain", "colour_gain_se"} <= set(est)
    assert c.colour_blur == est["colour_sigma"] and c.colour_blur in (0.0, *COLOUR_SIGMAS)
    # forced, with the restore on (a tiny network's output is flat: its colour is the input's
    # given back): the rest holds
    model.noise_curve = c.model_copy(update={"colour_blur": 1.5, "strength": 1.0})
    whole = model.denoise(image, "YXC", device="cpu")
    np.testing.assert_allclose(model.denoise(image, "YXC", device="cpu", tile=32), whole,
                               atol=1e-5)
    plain = model.noise_curve.model_copy(update={"colour_blur": 0.0})
    sharp = napari_sdap.load_model(model.save(tmp_path / "m.sdap"))
    assert sharp.noise_curve.colour_blur == 1.5
    np.testing.assert_array_equal(sharp.denoise(image, "YXC", device="cpu"), whole)
    sharp.noise_curve = plain
    other = sharp.denoise(image, "YXC", device="cpu")
    np.testing.assert_allclose(other.sum(-1), whole.sum(-1), atol=1e-4)  # brightness kept
    assert not np.allclose(other, whole, atol=1e-3)
    assert "then its colour blurred by 1.5 px" in model.describe_detail()


def test_a_grey_model_has_no_colour_blur():
    model = napari_sdap.train(_image(), "YX", stride=2, **TINY)
    assert model.noise_curve.colour_blur == 0.0
    assert not any(k.startswith("colour") for k in model.record.output_blur)
