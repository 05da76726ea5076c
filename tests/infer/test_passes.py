"""SDAP, SDAP(E) and plain blind-spot inference passes."""

from __future__ import annotations

import pytest
import torch

from napari_sdap.errors import ConfigError
from napari_sdap.infer.passes import FLIPS, dihedral, halo, resolve_mode, run_flips, run_mode
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


def test_each_dihedral_transform_is_undone_and_all_eight_differ():
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(1, 2, 3, 4)
    seen = set()
    for k in range(8):
        t = dihedral(x, k)
        seen.add(tuple(t.flatten().tolist()) + tuple(t.shape))
        assert torch.equal(dihedral(t, k, inverse=True), x)
    assert len(seen) == 8
    assert torch.equal(dihedral(x, 6), x.flip(-2))  # the second of FLIPS[2]: upside down


@pytest.mark.parametrize("mode", ["sdap", "sdap_e", "bsn"])
def test_one_flip_is_the_plain_pass(net, mode):
    x = torch.randn(1, 1, 17, 23)
    assert torch.equal(run_flips(net, x, mode, 2, flips=1), run_mode(net, x, mode, 2))


@pytest.mark.parametrize("flips", [2, 4, 8])
@pytest.mark.parametrize(("mode", "h", "w"), [("bsn", 17, 23), ("sdap_e", 17, 23),
                                              ("sdap", 16, 20)])
def test_flips_average_the_turned_back_outputs(net, mode, flips, h, w):
    x = torch.randn(1, 1, h, w)
    s = 1 if mode == "bsn" else 2  # the pixel-shuffle modes turn the padded plane
    padded = torch.nn.functional.pad(x, (0, w % s, 0, h % s), mode="replicate")
    outs = [run_mode(net, dihedral(padded if k else x, k), mode, 2) for k in FLIPS[flips]]
    expect = sum(dihedral(y, k, inverse=True)[..., :h, :w] for k, y in zip(FLIPS[flips], outs,
                                                                            strict=True))
    got = run_flips(net, x, mode, 2, flips=flips)
    torch.testing.assert_close(got, expect / flips, atol=1e-6, rtol=0)
    assert (got - run_mode(net, x, mode, 2)).abs().max() > 1e-4  # the other passes count


@pytest.mark.parametrize("mode", ["bsn", "sdap"])
def test_eight_flips_commute_with_every_flip_of_the_input(net, mode):
    """The 8-way average is the same whichever way up the image comes (sizes a multiple of the
    stride, where the pixel-shuffle grid turns with the image)."""
    x = torch.randn(1, 1, 12, 16)
    y = run_flips(net, x, mode, 2, flips=8)
    for k in range(1, 8):
        turned = run_flips(net, dihedral(x, k), mode, 2, flips=8)
        torch.testing.assert_close(dihedral(turned, k, inverse=True), y, atol=1e-5, rtol=0)


def test_flips_must_be_a_listed_count(net):
    with pytest.raises(ConfigError, match="flips must be one of 1, 2, 4, 8"):
        run_flips(net, torch.zeros(1, 1, 8, 8), "bsn", flips=3)
