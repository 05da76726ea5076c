"""Training on stacks: planes read with their Z (or T) context, shared RSG, centre targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from napari_sdap.axes import plane_view
from napari_sdap.errors import InputError
from napari_sdap.model.network3d import VolumeBlindSpotNet
from napari_sdap.model.normalize import Normalization
from napari_sdap.model.sampling import rsg_subsample
from napari_sdap.model.volume import mirror, volume_view
from napari_sdap.training.loop import cyclic_loss
from napari_sdap.training.patches import PatchSampler


def test_mirror_never_repeats_the_edge():
    assert [mirror(i, 5) for i in range(-3, 8)] == [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]
    assert mirror(-1, 2) == 1 and mirror(0, 1) == 0


def _labelled(shape: tuple[int, ...]) -> np.ndarray:
    """Every pixel holds its own flat index: reads can be traced back to their plane."""
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)


@pytest.mark.parametrize(("axes", "shape", "along"), [
    ("ZYX", (5, 6, 7), "Z"), ("TZYX", (3, 4, 6, 7), "Z"), ("TZYX", (4, 3, 6, 7), "T"),
    ("ZCYX", (5, 2, 6, 7), "Z")])
def test_volume_view_reads_mirrored_neighbours(axes, shape, along):
    img = _labelled(shape)
    base = plane_view(shape, axes, "independent")
    view = volume_view(base, along, context=1, step=1)
    ax = axes.index(along)
    for n in range(base.n_planes):
        got = view.read(img, n, slice(1, 4), slice(2, 6))
        pos = base.plane_position(n)
        for k, dz in enumerate((-1, 0, 1)):
            idx = [pos.get(i, slice(None)) for i in range(len(shape))]
            idx[ax] = mirror(pos[ax] + dz, shape[ax])
            want = img[tuple(idx)][1:4, 2:6]
            np.testing.assert_array_equal(got[k], want)
        assert not np.array_equal(got[0], got[1]) and not np.array_equal(got[2], got[1])


def test_volume_view_step_and_too_few_planes():
    img = _labelled((7, 4, 4))
    view = volume_view(plane_view(img.shape, "ZYX"), "Z", context=1, step=2)
    np.testing.assert_array_equal(view.read(img, 0)[:, 0, 0], img[[2, 0, 2], 0, 0])
    np.testing.assert_array_equal(view.read(img, 3)[:, 0, 0], img[[1, 3, 5], 0, 0])
    with pytest.raises(InputError, match="at least 5 planes along Z"):
        volume_view(plane_view((4, 8, 8), "ZYX"), "Z", context=2, step=1)
    with pytest.raises(InputError, match="needs a Z axis of at least 3"):
        volume_view(plane_view((8, 8), "YX"), "Z", context=1, step=1)
    with pytest.raises(InputError, match="along='T'"):
        volume_view(plane_view((3, 8, 8), "TYX"), "Z", context=1, step=1)


def test_patches_keep_planes_aligned_through_augmentation():
    z, y, x = np.mgrid[0:6, 0:20, 0:20]
    img = (z * 1000 + y * 20 + x).astype(np.float32)
    view = volume_view(plane_view(img.shape, "ZYX"), "Z", context=2, step=1)
    norm = Normalization(low=[0.0], high=[1.0])
    batch = PatchSampler([(img, view)], norm, 8, seed=3, augment=True).sample(16)
    assert batch.shape == (16, 5, 8, 8)
    for patch in batch:  # plane k - plane 2 is a constant offset (same y, x in every plane)
        for k in range(5):
            d = patch[k] - patch[2]
            assert np.all(d == d.flat[0]) and d.flat[0] % 1000 == 0


def test_cyclic_loss_targets_the_centre_plane():
    class Zero(nn.Module):
        centre = slice(1, 2)

        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(()))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, :1] * self.w

    batch = torch.randn(2, 3, 8, 8)
    batch[:, 1] = 7.0  # the centre plane only
    loss = cyclic_loss(Zero(), batch, 2, "l1", torch.Generator().manual_seed(0))
    assert loss.item() == pytest.approx(4 * 7.0)


def test_shared_permutation_across_planes():
    batch = torch.arange(64, dtype=torch.float32).reshape(1, 1, 8, 8).repeat(1, 3, 1, 1)
    batch[:, 1] += 1000
    subs = rsg_subsample(batch, 2, torch.Generator().manual_seed(1))
    torch.testing.assert_close(subs[:, :, 1] - subs[:, :, 0], torch.full_like(subs[:, :, 0], 1000))


def test_training_steps_lower_the_loss_on_a_stack():
    rng = np.random.default_rng(0)
    z, y, x = np.mgrid[0:8, 0:48, 0:48]
    clean = np.sin(x / 4.0) * np.cos(y / 5.0) * np.cos(z / 3.0)
    noisy = (clean + rng.normal(0, 0.3, clean.shape)).astype(np.float32)
    view = volume_view(plane_view(noisy.shape, "ZYX"), "Z", context=1, step=1)
    norm = Normalization(low=[-1.5], high=[1.5])
    sampler = PatchSampler([(noisy, view)], norm, 24, seed=0)
    torch.manual_seed(0)
    net = VolumeBlindSpotNet(1, width=16, blocks=1, context=1)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(0)
    fixed = torch.from_numpy(sampler.sample(8))
    with torch.no_grad():
        before = cyclic_loss(net, fixed, 1, "l2", torch.Generator().manual_seed(9)).item()
    for _ in range(40):
        loss = cyclic_loss(net, torch.from_numpy(sampler.sample(4)), 1, "l2", gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = cyclic_loss(net, fixed, 1, "l2", torch.Generator().manual_seed(9)).item()
    assert after < 0.8 * before
