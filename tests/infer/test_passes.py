"""SDAP, SDAP(E) and plain blind-spot inference passes."""

from __future__ import annotations

import pytest
import torch

from napari_sdap.errors import ConfigError
from napari_sdap.infer.passes import halo, resolve_mode, run_mode
from napari_sdap.model.network import BlindSpotNet
from napari_sdap.model.sampling import pd_down, pd_up


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return BlindSpotNet(1, 1, width=8, blocks=1).eval()


@pytest.mark.parametrize("mode", ["sdap", "sdap_e", "bsn"])
@pytest.mark.parametrize(("h", "w"), [(16, 16), (17, 23), (9, 8), (31, 12)])
def test_any_size_keeps_shape(net, mode, h, w):
    x = torch.randn(1, 1, h, w)
    y = run_mode(net, x, mode)
    assert y.shape == x.shape and torch.isfinite(y).all()


def test_modes_compose_as_documented(net):
    x = torch.randn(1, 1, 20, 22)
    with torch.no_grad():
        assert torch.equal(run_mode(net, x, "bsn"), net(x))
        sub, size = pd_down(x, 2)
        sdap = pd_up(net(sub), 2, size)
        torch.testing.assert_close(run_mode(net, x, "sdap"), sdap)
        torch.testing.assert_close(run_mode(net, x, "sdap_e"), net(sdap))


@pytest.mark.parametrize("mode", ["sdap", "sdap_e", "bsn"])
def test_output_depends_only_on_pixels_within_the_halo(net, mode):
    size, c = 64, 32
    r = halo(net.radius, mode, 2)
    x = torch.randn(1, 1, size, size, requires_grad=True)
    with torch.enable_grad():
        sub, shp = pd_down(x, 2)
        y = pd_up(net(sub), 2, shp) if mode != "bsn" else net(x)
        if mode == "sdap_e":
            y = net(y)
        y[0, 0, c, c].backward()
    g = x.grad[0, 0].abs()
    inside = torch.zeros_like(g, dtype=torch.bool)
    inside[c - r : c + r + 1, c - r : c + r + 1] = True
    assert g[~inside].max().item() == 0.0
    if mode != "sdap_e":  # single blind-spot pass: the pixel itself is never seen
        assert g[c, c].item() == 0.0


def test_resolve_mode():
    assert resolve_mode("auto", 1) == "bsn"
    assert resolve_mode("auto", 3) == "sdap_e"
    assert resolve_mode("sdap", 1) == "sdap"
    with pytest.raises(ConfigError, match="mode must be one of"):
        resolve_mode("fancy", 2)
