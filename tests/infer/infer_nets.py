"""Tiny networks whose outputs depend visibly on every pixel of their receptive field.

Imported by the infer tests (not a conftest, so `from conftest import ...` elsewhere keeps
finding tests/conftest.py)."""

from __future__ import annotations

import torch
from torch import nn

from napari_sdap.model.network import BlindSpotNet, CentreMaskedConv2d


def he_init(net: nn.Module, seed: int = 0) -> nn.Module:
    """He-normal weights, zero biases (default init leaves outputs nearly constant)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
                if isinstance(m, CentreMaskedConv2d):
                    m.weight.mul_(m.mask)
    return net.eval()


def tiny_net(channels: int = 1) -> BlindSpotNet:
    """Width 8, one block, He-initialised: fast, with a receptive field of radius 5."""
    return he_init(BlindSpotNet(channels, channels, width=8, blocks=1))
