"""The mix of the default output with a blurred input, for models trained for white noise
(`api.output_mix`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import napari_sdap
from napari_sdap.infer.mixing import SIGMAS, Mix

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 40}


def _strong(seed=0):
    """A smooth image under strong Poisson noise (a few photons per pixel)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    clean = 4.0 + 3.0 * np.sin(xx / 13.0) * np.cos(yy / 17.0)
    return rng.poisson(clean).astype(np.float32)


def test_a_stride_1_model_records_its_choice_in_the_curve():
    model = napari_sdap.train(_strong(), "YX", stride=1, student=False, **TINY)
    est = model.record.output_mix
    assert est is not None and model.record.output_blur is None
    keys = {"sigma", "share", "gain", "gain_se", "pixels", "guard"}
    assert set(est) == keys | {f"{k}@{s:g}" for s in SIGMAS for k in ("share", "gain")}
    c = model.noise_curve
    assert c.mix == est["share"] and c.mix_blur == est["sigma"]
    assert c.mix_guard == pytest.approx(est["guard"], abs=1e-4) and (c.mix_guard > 0) == (c.mix > 0)
    assert (c.mix == 0) == (c.mix_blur == 0) and est["sigma"] in (0.0, *SIGMAS)
    assert c.blur_mode == model.resolve_mode("auto") == "bsn"
    assert est["pixels"] > 1000


def _chosen(monkeypatch, sigma, share, limit=0.0):
    def fixed(pairs, sigmas=SIGMAS):
        list(pairs)
        return Mix(sigma, share, 0.04, 0.01, 4096, ((sigma, share, 0.04),), guard=limit)

    monkeypatch.setattr("napari_sdap.api.output_mix.choose_mix", fixed)


def test_the_chosen_mix_is_in_the_output_and_the_file(monkeypatch, tmp_path):
    """The output is linear in the share: (1 - m) * output without + m * output at share 1;
    the mix travels in the model file, shows in `describe_detail`, and `detail=False` (the
    network alone) and other modes have none."""
    _chosen(monkeypatch, 2.0, 0.4, 0.8)
    image = _strong(1)
    model = napari_sdap.train(image, "YX", stride=1, student=True, student_steps=150,
                              student_check=False, **TINY)
    assert model.student is not None and model.noise_curve.blur_mode == "student"
    assert model.noise_curve.mix == 0.4 and model.record.output_mix["share"] == 0.4
    out = model.denoise(image, "YX", device="cpu")
    mixed = model.noise_curve
    ends = []
    for share in (0.0, 1.0):
        model.noise_curve = mixed.model_copy(update={"mix": share})
        ends.append(model.denoise(image, "YX", device="cpu"))
    model.noise_curve = mixed
    np.testing.assert_allclose(out, 0.6 * ends[0] + 0.4 * ends[1], atol=1e-4)
    model.noise_curve = mixed.model_copy(update={"mix_guard": 0.0})  # the guard keeps some
    unguarded = model.denoise(image, "YX", device="cpu")  # pixels as they were
    model.noise_curve = mixed
    kept = np.isclose(out, ends[0], atol=1e-5)
    assert 0 < kept.mean() < 1 and not np.isclose(unguarded, ends[0], atol=1e-5)[kept].all()
    assert not np.allclose(out, ends[0], atol=1e-3)
    assert model.refine(mode="student").mix == 0.4
    assert model.refine(False, "student").mix == 0.0  # the network alone: no mix either
    assert model.refine(mode="bsn").mix == model.refine().mix == 0.0  # chosen for the default
    assert ("then 40 % of the input blurred by 2 px mixed in, less where the two differ by "
            "more than 0.8 noise stds (estimated error 4.0 %") in model.describe_detail()
    loaded = napari_sdap.load_model(model.save(tmp_path / "m.sdap"))
    assert (loaded.noise_curve.mix, loaded.noise_curve.mix_blur) == (0.4, 2.0)
    assert loaded.noise_curve.mix_guard == 0.8
    np.testing.assert_array_equal(loaded.denoise(image, "YX", device="cpu"), out)


def test_a_failing_estimate_mixes_nothing(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr("napari_sdap.api.output_mix.choose_mix", broken)
    with caplog.at_level(logging.WARNING):
        model = napari_sdap.train(_strong(), "YX", stride=1, student=False, **TINY)
    assert model.noise_curve is not None and model.noise_curve.mix == 0.0
    assert model.record.output_mix is None
    assert "could not estimate whether mixing in a blurred input helps" in caplog.text


def test_training_on_measures_the_mix_afresh(monkeypatch):
    _chosen(monkeypatch, 1.0, 0.5)
    model = napari_sdap.train(_strong(), "YX", stride=1, student=False, **TINY)
    assert model.noise_curve.mix == 0.5
    _chosen(monkeypatch, 0.0, 0.0)
    model = napari_sdap.train(_strong(2), "YX", model=model, steps=5)
    assert model.noise_curve.mix == 0.0 and model.record.output_mix["share"] == 0.0


def test_correlated_noise_and_3d_models_are_never_mixed():
    model = napari_sdap.train(_strong(), "YX", stride=2, student=False, **TINY)
    assert model.record.output_mix is None and model.noise_curve.mix == 0.0
    stack = np.stack([_strong(seed=s) for s in range(6)])
    model = napari_sdap.train(stack, "ZYX", dims=3, student=False, **TINY)
    assert model.record.output_mix is None


def test_clipped_data_count_only_pixels_clear_of_the_clip(monkeypatch):
    """8-bit frames with the dark background cut at 0: the noise's mean there is not zero, so
    the estimate counts exactly the pixels whose masked output lies more than `CLEAR` noise
    stds above the clip; the record says the data were clipped."""
    seen = []
    import napari_sdap.api.output_mix as module

    real = module.choose_mix

    def spy(pairs, **k):
        pairs = list(pairs)
        seen.extend(pairs)
        return real(pairs, **k)

    monkeypatch.setattr(module, "choose_mix", spy)
    image = np.clip(_strong(3) - 3.0, 0, None)  # a third of the pixels at 0
    model = napari_sdap.train(image, "YX", stride=1, student=False, **TINY)
    assert seen and model.record.output_mix["clipped"] == 1.0
    clip = min(float(x[0][cut].min()) for x, _mu, _std, cut, _counted in seen)  # the zeros
    skipped = counted_all = 0
    for _x, mu, std, _cut, counted in seen:
        np.testing.assert_array_equal(counted[0], mu[0] - clip > module.CLEAR * std[0])
        skipped += int((~counted[0]).sum())
        counted_all += int(counted[0].sum())
    assert skipped > 0 and counted_all > 0
    assert model.record.output_mix["pixels"] <= counted_all


def test_unclipped_data_count_every_pixel(monkeypatch):
    seen = []
    import napari_sdap.api.output_mix as module

    real = module.choose_mix
    monkeypatch.setattr(module, "choose_mix",
                        lambda pairs, **k: seen.extend(pairs) or real(seen, **k))
    model = napari_sdap.train(_strong(4), "YX", stride=1, student=False, **TINY)
    assert seen and all(p[4].all() for p in seen) and "clipped" not in model.record.output_mix


@pytest.mark.parametrize("shape", [(16, 16), (17, 300)])
def test_an_image_too_small_for_the_blurs_reach_trains_without_a_mix(shape):
    """Windows of 16-18 px leave no pixel far enough inside for the blur: no mix, no failure."""
    rng = np.random.default_rng(1)
    noisy = rng.poisson(5.0 + rng.uniform(0, 3, shape)).astype(np.float32)
    model = napari_sdap.train(noisy, "YX", stride=1, student=False,
                              **{**TINY, "patch_size": 16, "steps": 3})
    assert model.noise_curve is None or model.noise_curve.mix == 0.0
    assert model.denoise(noisy).shape == shape
