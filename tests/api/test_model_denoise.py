"""SDAPModel.denoise over dtypes, axes, sizes and modes."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from api_helpers import TINY, gray_model_fixture  # noqa: F401
from synthetic import smooth_image

from napari_sdap.api import create_model, train


def _noisy(shape, seed=0):
    rng = np.random.default_rng(seed)
    clean = smooth_image(shape[-2:], seed=seed)
    return (clean + rng.normal(0, 0.08, shape)).astype(np.float32)


def test_output_on_the_inputs_own_intensity_scale():
    """The same picture stored as uint8, uint16 or float comes back on each one's own scale."""
    base = np.round(200 * np.clip(_noisy((48, 48)), 0, 1))  # integers 0..200
    outs = {}
    for dtype, gain, offset in ((np.uint8, 1, 0), (np.uint16, 50, 800), (np.float32, 0.01, -3.0)):
        image = (base * gain + offset).astype(dtype)
        model = train(image, steps=4, stride=2, seed=1, **TINY)
        out = model.denoise(image)
        assert out.dtype == np.float32 and out.shape == image.shape
        outs[np.dtype(dtype).name] = (out.astype(np.float64) - offset) / gain
        assert model.normalization.low[0] == pytest.approx(
            offset + gain * np.percentile(base, 0.5), rel=1e-4, abs=1e-4)
    # mapped back to the common 0..200 scale, the three results agree
    np.testing.assert_allclose(outs["uint16"], outs["uint8"], atol=0.05)
    np.testing.assert_allclose(outs["float32"], outs["uint8"], atol=0.05)
    assert -20 < outs["uint8"].mean() < 220


@pytest.mark.parametrize("mode", ["sdap", "sdap_e", "bsn"])
@pytest.mark.parametrize("shape", [(33, 47), (8, 8), (17, 64)])
def test_any_plane_size_including_odd(gray_model, mode, shape):
    image = _noisy(shape)
    out = gray_model.denoise(image, mode=mode)
    assert out.shape == shape and np.isfinite(out).all()


def test_input_is_not_modified(gray_model):
    image = _noisy((32, 32))
    keep = image.copy()
    gray_model.denoise(image)
    np.testing.assert_array_equal(image, keep)


@pytest.mark.parametrize(("shape", "axes"), [
    ((3, 24, 20), "ZYX"), ((2, 24, 20), "TYX"), ((2, 3, 24, 20), "TZYX"),
    ((24, 20), None), ((2, 24, 20), None)])
def test_stacks_are_denoised_plane_by_plane(gray_model, shape, axes):
    image = _noisy(shape)
    out = gray_model.denoise(image, axes)
    assert out.shape == shape
    planes = image.reshape(-1, 24, 20)
    first = gray_model.denoise(planes[-1])
    np.testing.assert_allclose(out.reshape(-1, 24, 20)[-1], first, rtol=1e-5, atol=1e-5)


def test_rgb_is_denoised_jointly():
    rgb = np.stack([_noisy((40, 40), seed=s) for s in range(3)], axis=-1)
    rgb = (np.clip(rgb, 0, 1) * 255).astype(np.uint8)
    model = train(rgb, steps=2, stride=2, **TINY)
    assert model.config.network.in_channels == 3
    assert len(model.normalization.low) == 1
    assert model.denoise(rgb).shape == rgb.shape


def test_cyx_channels_are_independent_and_tczyx_works():
    image = np.stack([_noisy((32, 32)), 100 + 50 * _noisy((32, 32), seed=1)])
    model = train(image, "CYX", steps=2, stride=2, **TINY)
    assert model.config.network.in_channels == 1 and len(model.normalization.low) == 2
    out = model.denoise(image, "CYX")
    assert abs(out[1].mean() - image[1].mean()) < abs(image[1].mean() - image[0].mean()) / 4
    stack = np.stack([np.stack([image] * 2, axis=1)] * 2)  # T C Z Y X
    out5 = model.denoise(stack, "TCZYX")
    np.testing.assert_allclose(out5[1, :, 0], out, rtol=1e-5, atol=1e-4)


def test_lazy_input(gray_model):
    image = _noisy((2, 32, 32))
    out = gray_model.denoise(da.from_array(image, chunks=(1, 16, 16)), "ZYX")
    np.testing.assert_allclose(out, gray_model.denoise(image, "ZYX"), rtol=1e-6, atol=1e-6)


def test_iter_denoise_progress_and_out_array(gray_model):
    image = _noisy((3, 24, 24))
    out = np.zeros(image.shape, np.float32)
    steps = list(gray_model.iter_denoise(image, out, "ZYX", mode="sdap"))
    assert [s.done for s in steps] == [1, 2, 3] and all(s.total == 3 for s in steps)
    assert steps[-1].eta_s == 0 and all(s.mpix_per_s > 0 for s in steps)
    np.testing.assert_array_equal(out, gray_model.denoise(image, "ZYX", mode="sdap"))


def test_create_model_api():
    model = create_model("tiny", 3, width=12, blocks=2)
    assert model.config.network.width == 12 and model.config.network.blocks == 2
    assert model.config.network.in_channels == 3
    import torch

    y = model.network(torch.zeros(2, 3, 16, 20))
    assert y.shape == (2, 3, 16, 20)
    assert "untrained" in repr(model)
    paper = create_model("paper")
    assert paper.parameters == 3_655_745


def test_model_trained_on_a_missing_device_denoises_with_auto(gray_model):
    """A model trained with device='cuda' still runs on a CPU-only machine with device='auto'."""
    from napari_sdap.model.device import available_devices

    image = _noisy((24, 24))
    expected = gray_model.denoise(image, device="cpu")
    stored = gray_model.config.device
    missing = "cuda:7" if "cuda:7" not in available_devices() else "mps"
    gray_model.config.device = missing
    try:
        np.testing.assert_array_equal(gray_model.denoise(image), expected)
    finally:
        gray_model.config.device = stored
