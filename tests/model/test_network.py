"""DBSNl: parameter counts of the paper network and the blind-spot property of every preset."""

from __future__ import annotations

import pytest
import torch

from napari_sdap.model.network import BlindSpotNet
from napari_sdap.presets import PRESETS, config_from_preset


def _net(preset: str, channels: int = 1) -> BlindSpotNet:
    n = config_from_preset(preset, channels).network
    torch.manual_seed(0)
    return BlindSpotNet(n.in_channels, n.out_channels, n.width, n.blocks)


@pytest.mark.parametrize(("channels", "expected"), [(1, 3_655_745), (3, 3_656_131)])
def test_paper_preset_has_published_parameter_count(channels, expected):
    net = _net("paper", channels)
    assert sum(p.numel() for p in net.parameters()) == expected


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_blind_spot_every_preset(preset):
    net = _net(preset)
    size = 64
    x = torch.randn(1, 1, size, size, requires_grad=True)
    y0 = size // 2
    net(x)[0, 0, y0, y0].backward()
    g = x.grad[0, 0]
    assert g[y0, y0].item() == 0.0, "output must not depend on its own input pixel"
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        assert g[y0 + dy, y0 + dx].abs().item() > 0, f"neighbour {(dy, dx)} has no influence"
    # nothing outside the documented receptive field
    r = net.radius
    mask = torch.ones_like(g, dtype=torch.bool)
    mask[y0 - r : y0 + r + 1, y0 - r : y0 + r + 1] = False
    assert g[mask].abs().max().item() == 0.0


def test_blind_spot_holds_across_channels():
    net = BlindSpotNet(3, 3, width=8, blocks=1)
    x = torch.randn(1, 3, 24, 24, requires_grad=True)
    net(x)[0, 1, 12, 12].backward()
    assert x.grad[0, :, 12, 12].abs().max().item() == 0.0
    assert x.grad[0, :, 11, 12].abs().min().item() > 0


def test_masked_centre_stays_zero_after_training_step():
    net = BlindSpotNet(1, 1, width=8, blocks=1)
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    x = torch.randn(2, 1, 16, 16)
    net(x).square().mean().backward()
    opt.step()
    x = torch.randn(1, 1, 16, 16, requires_grad=True)
    net(x)[0, 0, 8, 8].backward()
    assert x.grad[0, 0, 8, 8].item() == 0.0


def test_shape_preserved_for_odd_sizes():
    net = BlindSpotNet(1, 1, width=8, blocks=1)
    assert net(torch.zeros(2, 1, 13, 21)).shape == (2, 1, 13, 21)
