"""Distillation pieces: aligned patch pairs, the student's receptive field and channels, the
fidelity check."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.config import NetworkConfig
from napari_sdap.model.student import StudentNet, centre_channels, student_channels
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


def test_student_inference_in_place_equals_the_training_forward():
    """Without gradients the student writes its ReLUs and residual sums into fresh tensors; the
    values must be those of the forward pass training uses, and the input must stay intact."""
    torch.manual_seed(3)
    net = StudentNet(2, 8, (1, 2, 3, 2, 1))
    x = torch.rand(2, 2, 40, 36)
    before = x.clone()
    with torch.no_grad():
        fast = net(x)
    slow = net(x)
    assert slow.requires_grad
    torch.testing.assert_close(fast, slow.detach(), rtol=0, atol=0)
    torch.testing.assert_close(x, before, rtol=0, atol=0)
    slow.sum().backward()  # the training forward still has its gradients
    assert all(p.grad is not None for p in net.parameters())


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


def test_out_channels_default_to_in_channels_with_the_same_weights():
    torch.manual_seed(3)
    before = StudentNet(2, 8, (1, 2, 1))
    torch.manual_seed(3)
    now = StudentNet(2, 8, (1, 2, 1), out_channels=2)
    assert before.out_channels == 2
    for (k, a), (_, b) in zip(before.state_dict().items(), now.state_dict().items(),
                              strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)


def test_a_3d_student_reads_every_plane_and_writes_one():
    net = StudentNet(6, 8, (1, 2, 1), out_channels=2)  # 3 planes of 2 channels
    torch.manual_seed(0)
    x = torch.rand(1, 6, 21, 21, requires_grad=True)
    y = net(x)
    assert y.shape == (1, 2, 21, 21)
    y[0, 0, 10, 10].backward()
    assert all(x.grad[0, c, 10, 10] != 0 for c in range(6))  # non-blind, in every plane


@pytest.mark.parametrize(("dims", "context", "channels", "want"),
                         [(2, 1, 3, (3, 3)), (3, 1, 1, (3, 1)), (3, 2, 2, (10, 2))])
def test_student_channels_follow_the_teacher(dims, context, channels, want):
    cfg = NetworkConfig(in_channels=channels, out_channels=channels, dims=dims,
                        z_context=context)
    assert student_channels(cfg) == want


def test_fidelity_of_3d_windows_compares_with_the_centre_plane():
    x = torch.rand(4, 6, 16, 16)  # 3 planes x 2 channels
    centre = x[:, 2:4]
    torch.testing.assert_close(centre_channels(x, 2), centre)
    torch.testing.assert_close(centre_channels(x[:, :2], 2), x[:, :2])

    class Centre(torch.nn.Module):
        def forward(self, a: torch.Tensor) -> torch.Tensor:
            return centre_channels(a, 2)

    cpu = torch.device("cpu")
    assert fidelity(Centre(), (x, centre), cpu) == 0.0
    assert fidelity(Centre(), (x, centre + 1.0), cpu) == pytest.approx(1.0)
    gray = x[:, :3]  # 3 planes of 1 channel: the other planes would broadcast silently

    class Middle(torch.nn.Module):
        def forward(self, a: torch.Tensor) -> torch.Tensor:
            return a[:, 1:2]

    assert fidelity(Middle(), (gray, gray[:, 1:2] + 1.0), cpu) == pytest.approx(1.0)


def test_held_out_targets_are_never_fitted_but_stay_context():
    """NaN targets (pixels held out for the student check) add nothing to the loss, its
    gradient, the starting bias or the fidelity."""
    from napari_sdap.training.distil import masked_l1

    out = torch.zeros(1, 1, 4, 4, requires_grad=True)
    t = torch.ones(1, 1, 4, 4)
    t[..., :2, :] = float("nan")
    loss = masked_l1(out, t)
    loss.backward()
    assert float(loss) == 1.0 and torch.isfinite(out.grad).all()
    assert out.grad[..., :2, :].abs().sum() == 0 and out.grad[..., 2:, :].abs().sum() > 0
    torch.manual_seed(0)
    net = StudentNet(1, 8, (1, 2, 1))
    x = torch.rand(2, 1, 16, 16)
    target = x + 5.0
    target[:, :, ::3] = float("nan")
    net.start_at(x, target)
    assert abs(float(net(x).mean()) - float(target.nanmean())) < 0.05
    assert fidelity(torch.nn.Identity(), (x, torch.where(target.isnan(), target, x + 1.0)),
                    torch.device("cpu")) == 1.0


def test_pairs_keep_their_axes_when_asked():
    """Images that differ along X and Y (whitened along one) are flipped, never turned."""
    ramp = np.broadcast_to(np.arange(40, dtype=np.float32)[:, None], (1, 40, 40)).copy()
    turned = PairSampler([(ramp, ramp)], patch=16, seed=2).sample(64)[0]
    kept = PairSampler([(ramp, ramp)], patch=16, seed=2, keep_axes=True).sample(64)[0]

    def along_x(batch):  # patches whose values change along X: turned by a quarter
        return int((batch.diff(dim=-1).abs().amax(dim=(1, 2, 3)) > 0).sum())

    assert along_x(turned) > 0
    assert along_x(kept) == 0


def test_the_loss_weighs_the_difference_through_the_filter():
    from napari_sdap.infer.whiten import Whitening
    from napari_sdap.training.distil import masked_l1

    colour = Whitening("X", 0.5).colour
    target = torch.zeros(1, 1, 8, 64)
    level = torch.full_like(target, 0.5)  # the same size of difference at zero frequency
    alternating = 0.5 * (-1.0) ** torch.arange(64.0).expand_as(target)  # and at the highest
    assert masked_l1(level, target) == pytest.approx(masked_l1(alternating, target))
    assert masked_l1(level, target, colour) == pytest.approx(0.5, rel=1e-5)
    # the colouring passes (1 - a) / (1 + a) of the highest frequency
    assert masked_l1(alternating, target, colour) < 0.4 * masked_l1(level, target, colour)
    held = target.clone()
    held[..., ::2] = float("nan")  # held-out pixels: no difference counted there
    assert masked_l1(level, held, colour) < masked_l1(level, target, colour)
