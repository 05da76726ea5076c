"""Pixel-shuffle down/up and random sub-sample generation."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_sdap.model.sampling import pd_down, pd_up, rsg_subsample


@settings(max_examples=40, deadline=None)
@given(s=st.integers(1, 6), h=st.integers(1, 23), w=st.integers(1, 23), n=st.integers(1, 2),
       c=st.integers(1, 3))
def test_pd_up_inverts_pd_down_for_any_size(s, h, w, n, c):
    x = torch.randn(n, c, h, w)
    sub, size = pd_down(x, s)
    assert sub.shape == (s * s * n, c, -(-h // s), -(-w // s))
    assert torch.equal(pd_up(sub, s, size), x)


def test_pd_down_phase_layout():
    x = torch.arange(36.0).reshape(1, 1, 6, 6)
    sub, _ = pd_down(x, 2)
    # sub-image dy*s + dx holds pixels (2i + dy, 2j + dx)
    assert torch.equal(sub[1, 0], x[0, 0, 0::2, 1::2])
    assert torch.equal(sub[2, 0], x[0, 0, 1::2, 0::2])


def test_pd_padding_never_copies_a_pixel_into_its_own_sub_image():
    s, h = 2, 5
    x = torch.arange(float(h * h)).reshape(1, 1, h, h)
    sub, _ = pd_down(x, s)
    for k in range(s * s):
        values = sub[k].flatten().tolist()
        assert len(values) == len(set(values)), f"sub-image {k} repeats a pixel"


@pytest.mark.parametrize("s", [1, 2, 3, 5])
def test_rsg_partitions_every_cell_and_keeps_channels_aligned(s):
    n, c, h, w = 3, 3, 4 * s, 6 * s
    ids = torch.arange(n * h * w, dtype=torch.float64).reshape(n, 1, h, w)
    x = torch.cat([ids, ids + 0.25, ids + 0.5], dim=1)  # channel k = pixel id + k/4
    g = torch.Generator().manual_seed(1)
    subs = rsg_subsample(x, s, g)
    assert subs.shape == (s * s, n, c, h // s, w // s)
    # channels of each sampled pixel come from the same pixel
    assert torch.equal(subs[:, :, 1], subs[:, :, 0] + 0.25)
    assert torch.equal(subs[:, :, 2], subs[:, :, 0] + 0.5)
    # every pixel of every patch appears exactly once over the s*s sub-images ...
    picked = subs[:, :, 0].permute(1, 0, 2, 3).reshape(n, -1)
    for b in range(n):
        assert torch.equal(picked[b].sort().values, ids[b, 0].flatten())
    # ... and sub-image pixel (i, j) comes from cell (i, j)
    cell_y = (subs[:, :, 0] % (h * w)) // w // s
    cell_x = (subs[:, :, 0] % w) // s
    assert torch.equal(cell_y, torch.arange(h // s).view(1, 1, -1, 1).expand_as(cell_y).double())
    assert torch.equal(cell_x, torch.arange(w // s).view(1, 1, 1, -1).expand_as(cell_x).double())


def test_rsg_is_random_and_seeded():
    x = torch.arange(64.0).reshape(1, 1, 8, 8)
    a = rsg_subsample(x, 2, torch.Generator().manual_seed(0))
    b = rsg_subsample(x, 2, torch.Generator().manual_seed(0))
    c = rsg_subsample(x, 2, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # not simply the fixed PD phases
    assert not torch.equal(a.reshape(4, 1, 1, 4, 4), pd_down(x, 2)[0].reshape(4, 1, 1, 4, 4))
