"""Distillation pieces: aligned patch pairs, the student's receptive field, the fidelity check."""

from __future__ import annotations

import numpy as np
import torch

from napari_sdap.model.student import StudentNet
from napari_sdap.training.distil import PairSampler, fidelity


def test_pairs_are_cut_and_turned_together_and_small_windows_are_skipped():
    rng = np.random.default_rng(0)
    big = rng.random((1, 40, 50)).astype(np.float32)
    small = rng.random((1, 10, 10)).astype(np.float32)
    sampler = PairSampler([(big, 2 * big), (small, 2 * small)], patch=32, seed=1)
    assert sampler.patch == 32 and len(sampler.pairs) == 1
    x, t = sampler.sample(16)
    assert x.shape == t.shape == (16, 1, 32, 32)
    torch.testing.assert_close(t, 2 * x)


def test_patch_shrinks_to_the_largest_window():
    a = np.zeros((1, 20, 30), np.float32)
    assert PairSampler([(a, a)], patch=64).patch == 20


def test_student_receptive_field_is_its_radius():
    net = StudentNet(1, 8, (1, 2, 1))
    assert net.radius == 6
    torch.manual_seed(0)
    x = torch.rand(1, 1, 31, 31, requires_grad=True)
    net(x)[0, 0, 15, 15].backward()
    reach = np.argwhere(x.grad[0, 0].abs().numpy() > 0)
    assert reach.size and reach.min() >= 15 - net.radius and reach.max() <= 15 + net.radius
    assert x.grad[0, 0, 15, 15] != 0  # not blind: the student sees its own pixel


def test_student_starts_on_the_target_scale_and_fidelity_measures_the_gap():
    torch.manual_seed(0)
    net = StudentNet(1, 8, (1, 2, 1))
    x = torch.rand(4, 1, 16, 16)
    t = x + 5.0
    net.start_at(x, t)
    assert abs(float(net(x).mean()) - float(t.mean())) < 1e-4
    assert fidelity(net, (x, t), torch.device("cpu")) < 1.0
    assert fidelity(torch.nn.Identity(), (x, x + 1.0), torch.device("cpu")) == 1.0
    assert fidelity(torch.nn.Identity(), (x, x), torch.device("cpu")) == 0.0
