"""Tiny networks whose outputs depend visibly on every pixel of their receptive field."""

from __future__ import annotations

import pytest
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


@pytest.fixture(scope="module")
def net():
    return he_init(BlindSpotNet(1, 1, width=8, blocks=1))


@pytest.fixture(scope="module")
def net3():
    return he_init(BlindSpotNet(3, 3, width=8, blocks=1))
