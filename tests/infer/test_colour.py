"""The blur of the colour components alone of RGB outputs (`gaussian.colour_blur`,
`infer.colour`)."""

from __future__ import annotations

import numpy as np
import torch

from napari_sdap.infer.colour import choose_colour_blur, rgb_noise
from napari_sdap.infer.gaussian import OPPONENT, colour_blur, gaussian
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.tiling import Tile


def test_the_opponent_components_are_orthonormal():
    np.testing.assert_allclose(OPPONENT @ OPPONENT.T, np.eye(3), atol=1e-12)


def test_a_colour_blur_keeps_brightness_and_grey():
    g = torch.Generator().manual_seed(1)
    rgb = torch.rand(2, 3, 40, 50, generator=g)
    out = colour_blur(rgb, 1.5)
    torch.testing.assert_close(out.sum(1), rgb.sum(1))  # brightness untouched
    assert not torch.allclose(out, rgb, atol=1e-3)
    grey = torch.rand(1, 1, 40, 50, generator=g).repeat(1, 3, 1, 1)
    torch.testing.assert_close(colour_blur(grey, 2.0), grey)  # no colour: nothing to blur
    assert torch.equal(colour_blur(rgb, 0.0), rgb)
    # the colour differences are blurred as `gaussian` blurs them
    torch.testing.assert_close(out[:, 0] - out[:, 2], gaussian(rgb[:, :1] - rgb[:, 2:], 1.5)[:, 0])


def _scene(colour: bool, seed: int = 0):
    """A smooth RGB scene (3 x h x w) with 2 x 2 box-correlated noise, in the colour
    components only (`colour`) or in the brightness only, and its clean version."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    base = 0.5 + 0.2 * np.sin(xx / 11.0) * np.cos(yy / 13.0)
    clean = np.stack([base, base * 0.9 + 0.05, base * 0.8 + 0.1])
    if not colour:  # fine colour detail on the left half, which a colour blur would smear
        clean[0] += 0.15 * np.sin(xx * 0.6 + yy * 0.4) * (xx < 48)
    w = rng.normal(0, 0.08, (3, 97, 97))
    box = (w[:, :-1, :-1] + w[:, 1:, :-1] + w[:, :-1, 1:] + w[:, 1:, 1:]) / 2.0
    if colour:
        box[0] = 0.0
    else:
        box[1:] = 0.0
    noise = np.einsum("kc,khw->chw", OPPONENT, box)
    return (clean + noise).astype(np.float32), clean.astype(np.float32)


def _curve(x: np.ndarray, clean: np.ndarray) -> NoiseCurve:
    var = [float(np.var(x[k] - clean[k])) for k in range(3)]
    return NoiseCurve(levels=[[[0.0, 1.0]] * 3], variance=[[[v, v] for v in var]])


def _windows(x):
    h, w = x.shape[-2:]
    return [(x, 0, Tile(0, slice(0, h), slice(0, w), slice(0, h), slice(0, w)))]


def test_the_estimate_blurs_colour_noise_and_spares_colour_detail():
    """An 'output' that kept all of the noise: where the noise is colour alone on a smooth
    scene, a colour blur gains and is chosen; where it is brightness alone and the scene has
    fine colour detail, the blur loses (checked against the clean scene), and none is
    chosen."""
    for colour in (True, False):
        x, clean = _scene(colour)
        run = lambda w, g: (w, w.copy())  # noqa: E731 (the output is the input itself)
        got = choose_colour_blur(run, _windows(x), _curve(x, clean))
        assert got is not None
        blurred = colour_blur(torch.from_numpy(x)[None], 1.5)[0].numpy()
        gains = np.mean((x - clean) ** 2) > np.mean((blurred - clean) ** 2)
        assert gains == colour  # the scenes are what the test needs
        assert (got.sigma > 0) == colour, (colour, got)
        if colour:
            assert got.gain > 0.3  # most of the colour noise is blurred away


def test_the_rgb_noise_reads_the_correlation_between_channels():
    x, clean = _scene(True, seed=2)
    factor, corr = rgb_noise([(x, clean.astype(np.float64), 0)], _curve(x, clean))
    true = np.corrcoef((x - clean).reshape(3, -1))
    np.testing.assert_allclose(corr, true, atol=0.15)
    np.testing.assert_allclose(factor, 1.0, atol=0.15)  # the curve holds the true variance
