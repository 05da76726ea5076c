"""The blind-spot network's bias against the mean (`infer.offset`) and where it is applied."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.infer.offset import CLIPPED, estimate_offset, shift
from napari_sdap.infer.refine import Refine


def test_the_offset_is_the_mean_of_x_minus_mu_per_group_and_channel():
    rng = np.random.default_rng(0)
    x = [rng.normal(0, 1, (2, 8, 8)).astype(np.float32) for _ in range(3)]
    mu = [a - np.array([0.5, -0.25], np.float32)[:, None, None] for a in x]
    offsets = estimate_offset([list(zip(x, mu, strict=True)), [(x[0][:1], x[0][:1] + 2.0)]])
    np.testing.assert_allclose(offsets[0], [0.5, -0.25], atol=1e-6)
    np.testing.assert_allclose(offsets[1], [-2.0], atol=1e-6)
    np.testing.assert_allclose(shift(mu[0], offsets[0]), x[0], atol=1e-6)


def test_clipped_channels_get_no_offset():
    """8-bit low-light frames with the background cut at 0: the input's mean is not the
    signal's, so the channel gets 0; the unclipped channel keeps its offset."""
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (2, 64, 64)).astype(np.float32)
    x[0] = np.maximum(x[0], 0.0)  # half of the pixels at the floor
    x[1, :1, : int(CLIPPED * 64 * 64) - 1] = x[1].min()  # just under the share: kept
    mu = x - 0.3
    assert estimate_offset([[(x, mu)]])[0] == pytest.approx([0.0, 0.3], abs=1e-6)


def test_a_common_lowest_grey_level_is_not_clipping():
    """Integer frames whose darkest level holds a few percent of the pixels but fewer than the
    level above it (a dark background's tail, FMD confocal) keep their offset; the same counts
    piled up at the lowest level are clipping."""
    rng = np.random.default_rng(2)
    x = np.round(rng.normal(8.0, 2.0, (1, 128, 128))).clip(3, None).astype(np.float32)
    _, counts = np.unique(x, return_counts=True)
    assert 0.01 * x.size <= counts[0] < counts[1]  # the lowest level: common, no pile-up
    mu = x - 0.25
    assert estimate_offset([[(x, mu)]])[0] == pytest.approx([0.25], abs=1e-6)
    piled = np.maximum(x, 7.0)  # cut at 7: a third of the pixels there
    assert estimate_offset([[(piled, piled - 0.25)]])[0] == [0.0]


def _curve(offset=None, channels=1):
    flat = [[[0.0, 1.0]] * channels]
    return NoiseCurve(levels=flat, variance=[[[0.01, 0.01]] * channels], offset=offset)


def test_the_teacher_output_gets_the_offset_the_student_does_not():
    x = torch.full((1, 1, 16, 16), 0.5)
    mu = torch.full((1, 1, 16, 16), 0.3)
    curve = _curve([[0.1]])
    out = Refine(curve, detail=False).after(x, mu, [0])
    torch.testing.assert_close(out, torch.full_like(mu, 0.4))
    assert torch.equal(Refine(curve, detail=False, calibrate=False).after(x, mu, [0]), mu)
    assert torch.equal(Refine(_curve(), detail=False).after(x, mu, [0]), mu)  # saved without


@pytest.mark.parametrize("offset", [[[0.1, 0.2]], [[0.1], [0.2]]])
def test_an_offset_of_another_layout_is_refused(offset):
    with pytest.raises(ValueError, match="offset needs 1 channel group"):
        _curve(offset)
