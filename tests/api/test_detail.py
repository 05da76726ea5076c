"""The detail restore through the API: measured at training, stored, same for every use."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap import create_model, iter_train, load_model, train


def _texture(shape=(96, 96), noise=0.03, seed=0):
    """High signal-to-noise fine texture (what a blind-spot network smooths away) on the left,
    flat background on the right (where the noise can be measured)."""
    yy, xx = np.mgrid[0 : shape[-2], 0 : shape[-1]].astype(np.float32)
    clean = 0.5 + 0.3 * np.sin(xx / 1.7) * np.cos(yy / 2.3) * (xx < shape[-1] // 2)
    clean = np.broadcast_to(clean, shape).astype(np.float32)
    rng = np.random.default_rng(seed)
    return clean, (clean + rng.normal(0, noise, shape)).astype(np.float32)


@pytest.fixture(scope="module")
def stack_model():
    _, noisy = _texture((3, 64, 64))
    return train(noisy, "ZYX", preset="tiny", width=8, blocks=1, steps=30, stride=1,
                 patch_size=32, batch_size=2), noisy


def _psnr(a, ref):
    return 10 * np.log10(1.0 / np.mean((a - ref) ** 2))


def test_restores_detail_the_network_smoothed_away():
    clean, noisy = _texture()
    model = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=60, stride=1,
                  patch_size=32, batch_size=2, student=False)
    assert model.noise_curve is not None
    restored = model.denoise(noisy)
    plain = model.denoise(noisy, detail=False)  # for this call only
    model.config.inference.restore_detail = False  # or for every call
    np.testing.assert_array_equal(model.denoise(noisy), plain)
    np.testing.assert_array_equal(model.denoise(noisy, detail=True), restored)
    # the gate: never more than 0.1 dB below the network alone. This 60-step network's output
    # spans about two noise stds, too little for the gate to tell detail from noise, so it may
    # give back little; at full strength the restore recovers the texture
    assert _psnr(restored, clean) > _psnr(plain, clean) - 0.1
    model.noise_curve = model.noise_curve.model_copy(update={"threshold": 1.0, "strength": 1.0})
    full = model.denoise(noisy, detail=True)
    assert _psnr(full, clean) > _psnr(plain, clean) + 0.5
    # noise std 0.03: measured right where the background is, and nowhere underestimated
    # (intensities only the texture has read high: their bins hold no flat pixels)
    scale = model.normalization.scale(0)[1]
    stds = np.sqrt(model.noise_curve.variance[0][0]) * scale
    assert 0.022 < stds.min() < 0.04 and (stds > 0.022).all()


def test_stack_equals_plane_by_plane_and_tiles_and_lazy(stack_model):
    model, noisy = stack_model
    whole = model.denoise(noisy, "ZYX")
    for z in range(noisy.shape[0]):
        np.testing.assert_allclose(model.denoise(noisy[z], "YX"), whole[z], atol=1e-4)
    np.testing.assert_allclose(model.denoise(noisy, "ZYX", tile=16), whole, atol=1e-4)
    lazy = model.denoise(noisy, "ZYX", tile=16, lazy=True).compute()
    np.testing.assert_allclose(lazy, whole, atol=1e-4)


def test_curve_is_saved_and_loaded(stack_model, tmp_path):
    model, noisy = stack_model
    loaded = load_model(model.save(tmp_path / "m.safetensors"))
    assert loaded.noise_curve == model.noise_curve
    np.testing.assert_array_equal(loaded.denoise(noisy, "ZYX"), model.denoise(noisy, "ZYX"))


def test_stopping_training_early_still_measures_the_curve():
    _, noisy = _texture((64, 64))
    for rec in iter_train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=50, stride=1,
                          patch_size=32, batch_size=2):
        if rec.step == 3:
            break
    assert rec.model.noise_curve is not None and rec.model.record.steps == 3


def test_a_model_without_curve_denoises_with_the_network_alone():
    model = create_model("tiny", width=8, blocks=1)
    _, noisy = _texture((48, 48))
    trained = train(noisy, "YX", model=model, steps=2, stride=1, patch_size=32, batch_size=2)
    trained.noise_curve = None  # as in a model file of an earlier version
    out = trained.denoise(noisy)
    trained.config.inference.restore_detail = False
    np.testing.assert_array_equal(out, trained.denoise(noisy))


def test_a_failed_noise_measurement_keeps_the_training(monkeypatch, caplog):
    import napari_sdap.infer.sample as sample

    def fail(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(sample, "measure_curve", fail)
    _, noisy = _texture((48, 48))
    model = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=2, stride=1,
                  patch_size=32, batch_size=2)
    assert model.record.steps == 2 and model.noise_curve is None
    assert "could not measure the noise" in caplog.text
    assert "no noise curve" in model.describe_detail()


def test_at_low_photon_counts_the_teacher_output_is_moved_to_the_mean():
    """Trained with L1, the network predicts the median, which under a photon is 0: the
    measured offset (mean of input minus output) puts the output back on the mean."""
    yy, xx = np.mgrid[0:96, 0:96]
    clean = (0.6 + 0.5 * np.sin(xx / 6.0) * np.cos(yy / 8.0)).astype(np.float32)
    rng = np.random.default_rng(3)  # photon counts plus a little read noise (not clipped)
    noisy = (rng.poisson(clean) + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    model = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=60, stride=1,
                  patch_size=32, batch_size=2, student=False)
    assert model.noise_curve is not None and model.noise_curve.offset is not None
    shown = model.describe_detail().split("bias correction")[1]  # in photons, as the input
    scale = model.normalization.scale(0)[1]
    assert f"{model.noise_curve.offset[0][0] * scale:+.3g}" in shown
    corrected = model.denoise(noisy, detail=False)
    model.noise_curve = model.noise_curve.model_copy(update={"offset": None})
    median = model.denoise(noisy, detail=False)
    assert median.mean() < clean.mean() - 0.1  # the median's bias
    assert abs(corrected.mean() - clean.mean()) < 0.03
    assert np.mean((corrected - clean) ** 2) < np.mean((median - clean) ** 2)


def test_no_offset_for_clipped_data():
    """8-bit low-light frames with the background cut at 0: the input's mean is not the
    signal's, so the median is kept."""
    yy, xx = np.mgrid[0:96, 0:96]
    clean = (0.6 + 0.5 * np.sin(xx / 6.0) * np.cos(yy / 8.0)).astype(np.float32)
    rng = np.random.default_rng(3)
    noisy = np.clip(np.round(3 * (rng.poisson(clean) + rng.normal(0, 0.5, clean.shape))), 0, 255)
    model = train(noisy.astype(np.float32), "YX", preset="tiny", width=8, blocks=1, steps=4,
                  stride=1, patch_size=32, batch_size=2, student=False)
    assert model.noise_curve is not None and model.noise_curve.offset == [[0.0]]


def test_no_offset_for_correlated_noise_models():
    _, noisy = _texture()
    model = train(noisy, "YX", preset="tiny", width=8, blocks=1, steps=4, stride=2,
                  patch_size=32, batch_size=2)
    assert model.noise_curve is not None and model.noise_curve.offset is None
    assert "bias correction" not in model.describe_detail()
