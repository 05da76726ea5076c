"""A 2.5-D blind-spot network for z-stacks and time series (DBSNl with a Z context).

The input holds `planes` = 2 * context + 1 planes of one volume (the plane to denoise in the
middle, its neighbours `step` planes apart on either side), stacked along the channel axis:
N x (planes * C) x H x W. A shared 1x1 head maps every plane to `width` features; each branch's
first convolution then sees all planes at once (a 3-D kernel of planes x k x k, valid along Z)
with the tap at the centre plane's centre pixel zeroed; from there on the DBSNl branches and tail
work in 2-D on the centre plane. The output (N x C x H x W) at a voxel never depends on that
voxel: it sees its neighbours in the plane (as in 2-D) and, in the other planes, the voxels at the
same (y, x) and around it. Z is only seen through the first layer, so the cost stays close to
2-D and anisotropic stacks (Z step larger than the pixel) need no special kernels: Y and X get
the full receptive field, Z the few planes of context.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from napari_sdap.config import NetworkConfig
from napari_sdap.model.network import BlindSpotNet

__all__ = ["ContextMaskedConv", "VolumeBlindSpotNet", "min_planes", "network_for"]


def min_planes(context: int, step: int) -> int:
    """Planes a stack needs for a network with this Z context: the span of its input planes."""
    return 2 * context * step + 1


class ContextMaskedConv(nn.Conv2d):
    """A k x k convolution over `planes` stacked feature maps whose tap at the centre pixel of
    the centre plane is always zero (for every channel pair)."""

    def __init__(self, planes: int, width: int, kernel_size: int) -> None:
        super().__init__(planes * width, width, kernel_size, padding=kernel_size // 2)
        mask = torch.ones(1, planes * width, kernel_size, kernel_size)
        c, k = planes // 2, kernel_size // 2
        mask[:, c * width:(c + 1) * width, k, k] = 0
        self.register_buffer("mask", mask, persistent=False)
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class VolumeBlindSpotNet(BlindSpotNet):
    """DBSNl whose first masked convolutions see `2 * context + 1` planes (see the module).

    `channels` is the image's channel count C per plane (1 for gray); the input has
    `planes * channels` channels, the output `channels`.
    """

    def __init__(self, channels: int = 1, width: int = 32, blocks: int = 3,
                 context: int = 1) -> None:
        self.planes = 2 * context + 1
        self.context = context
        super().__init__(channels, channels, width, blocks)
        for branch, s in ((self.branch2, 2), (self.branch3, 3)):
            branch.masked = ContextMaskedConv(self.planes, width, 2 * s - 1)
        self.reset_parameters()

    @property
    def centre(self) -> slice:
        """Input channels of the centre plane (the plane the output belongs to)."""
        c = self.in_channels
        return slice(self.context * c, (self.context + 1) * c)

    def reset_parameters(self) -> None:
        """As `BlindSpotNet.reset_parameters`, with the context masks applied."""
        super().reset_parameters()
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, ContextMaskedConv):
                    module.weight.mul_(module.mask)

    @torch.no_grad()
    def start_at(self, batch: torch.Tensor) -> None:
        """Shift the output bias so the mean output on `batch` equals its centre plane's mean."""
        out = self(batch).mean(dim=(0, 2, 3))
        self.tail[-1].bias.add_(batch[:, self.centre].mean(dim=(0, 2, 3)) - out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, pc, h, w = x.shape
        c = self.in_channels
        if pc != self.planes * c:
            raise ValueError(f"expected {self.planes} planes x {c} channel(s) = "
                             f"{self.planes * c} input channels, got {pc}")
        feats = F.relu(self.head(x.reshape(n * self.planes, c, h, w)))
        return self.trunk(feats.reshape(n, self.planes * self.width, h, w))


def network_for(network: NetworkConfig) -> BlindSpotNet:
    """The (untrained) network a `NetworkConfig` describes: 2-D DBSNl or its 2.5-D variant."""
    n = network
    if n.dims == 3:
        return VolumeBlindSpotNet(n.in_channels, n.width, n.blocks, n.z_context)
    return BlindSpotNet(n.in_channels, n.out_channels, n.width, n.blocks)
