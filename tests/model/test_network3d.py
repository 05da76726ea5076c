"""The 2.5-D blind-spot network: exact blindness at the centre voxel, checked with gradients."""

from __future__ import annotations

import pytest
import torch

from napari_sdap.model.network3d import VolumeBlindSpotNet, min_planes
from napari_sdap.presets import PRESETS, config_from_preset


def _grad(net: VolumeBlindSpotNet, size: int = 64, channels: int = 1, out_ch: int = 0
          ) -> torch.Tensor:
    x = torch.randn(1, net.planes * channels, size, size, requires_grad=True)
    net(x)[0, out_ch, size // 2, size // 2].backward()
    return x.grad[0].reshape(net.planes, channels, size, size)


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("context", [1, 2])
def test_centre_voxel_is_blind_every_preset(preset, context):
    n = config_from_preset(preset).network
    torch.manual_seed(0)
    net = VolumeBlindSpotNet(1, n.width, n.blocks, context)
    g = _grad(net)[:, 0]
    c, y0 = context, 32
    assert g[c, y0, y0].item() == 0.0, "the output must not depend on its own voxel"
    for z in range(net.planes):
        if z != c:  # the same (y, x) in the other planes is seen
            assert g[z, y0, y0].abs().item() > 0, f"plane offset {z - c} has no influence"
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        assert g[c, y0 + dy, y0 + dx].abs().item() > 0
    r = net.radius  # nothing outside the documented receptive field, in any plane
    outside = torch.ones_like(g, dtype=torch.bool)
    outside[:, y0 - r:y0 + r + 1, y0 - r:y0 + r + 1] = False
    assert g[outside].abs().max().item() == 0.0


def test_blind_across_channels_and_after_training():
    torch.manual_seed(1)
    net = VolumeBlindSpotNet(3, width=8, blocks=1, context=1)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.randn(2, 9, 16, 16)).square().mean().backward()
    opt.step()
    assert _grad(net, 24, channels=3, out_ch=1)[1, :, 12, 12].abs().max().item() == 0.0
    torch.manual_seed(0)
    g = _grad(VolumeBlindSpotNet(3, width=8, blocks=1, context=1), 24, channels=3, out_ch=1)
    assert g[1, :, 12, 12].abs().max().item() == 0.0
    assert g[0, :, 12, 12].abs().min().item() > 0
    assert g[1, :, 11, 12].abs().min().item() > 0


def test_shapes_and_wrong_plane_count():
    net = VolumeBlindSpotNet(1, width=8, blocks=1, context=2)
    assert net(torch.zeros(2, 5, 13, 21)).shape == (2, 1, 13, 21)
    assert net.centre == slice(2, 3)
    with pytest.raises(ValueError, match="5 planes"):
        net(torch.zeros(1, 3, 16, 16))


def test_start_at_matches_centre_plane_mean():
    torch.manual_seed(2)
    net = VolumeBlindSpotNet(1, width=8, blocks=1, context=1)
    batch = torch.rand(4, 3, 16, 16)
    batch[:, 1] += 5.0
    net.start_at(batch)
    assert net(batch).mean().item() == pytest.approx(batch[:, 1].mean().item(), abs=1e-4)


def test_min_planes():
    assert min_planes(1, 1) == 3
    assert min_planes(2, 2) == 9
