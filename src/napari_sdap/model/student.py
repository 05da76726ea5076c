"""The student: a small non-blind network distilled from the blind-spot teacher.

A blind-spot network never sees the pixel it predicts, which costs it the information that pixel
holds. After training, the teacher's best output (its inference mode, with the detail restore)
on the training images becomes the target of a plain convolutional network that sees every
pixel (as in AT-BSN and TBSN2UNet): it learns to map the noisy input to the teacher's result,
then denoises in one full-resolution pass at a fraction of the teacher's cost.

Architecture: a 3x3 head, residual 3x3 layers with the given dilations (ReLU inside each
residual branch), a 3x3 tail. No normalisation layers, no down-sampling: the network is
translation-equivariant with a receptive-field radius of ``2 + sum(dilations)``, so tiles with
that much halo reproduce whole-plane inference exactly.

The student of a 3-D model reads the same window as its teacher (the plane and its context
planes stacked on the channel axis, `model.volume.VolumeView`) and writes the centre plane: it
has `planes * C` input and `C` output channels (`student_channels`); a 2-D student has C of each.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from napari_sdap.config import NetworkConfig
from napari_sdap.model.network import cpu_layout

__all__ = ["StudentNet", "centre_channels", "student_channels"]


def student_channels(network: NetworkConfig) -> tuple[int, int]:
    """(input, output) channels of the student of a teacher with these settings: the teacher's
    input window (every plane of it for 3-D) in, the channels of one plane out."""
    c = network.in_channels
    return ((2 * network.z_context + 1) * c if network.dims == 3 else c), c


def centre_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """The middle `channels` channels of N x (P * C) x H x W `x`: the plane its student's
    output belongs to (all of `x` for a 2-D window, P = 1)."""
    start = (x.shape[1] - channels) // 2
    return x[:, start:start + channels]


class StudentNet(nn.Module):
    """Non-blind denoiser: N x `channels` x H x W in, N x `out_channels` x H x W out
    (`out_channels` None: as many as in)."""

    def __init__(self, channels: int = 1, width: int = 32,
                 dilations: Sequence[int] = (1, 2, 3, 4, 3, 2, 1),
                 out_channels: int | None = None) -> None:
        super().__init__()
        self.channels, self.width, self.dilations = channels, width, tuple(dilations)
        self.out_channels = channels if out_channels is None else out_channels
        self.head = nn.Conv2d(channels, width, 3, padding=1)
        self.body = nn.ModuleList(
            [nn.Conv2d(width, width, 3, padding=d, dilation=d) for d in self.dilations])
        self.tail = nn.Conv2d(width, self.out_channels, 3, padding=1)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        with torch.no_grad():
            for conv in self.body:  # keep the residual sum's scale over the depth
                conv.weight.mul_(len(self.dilations) ** -0.5)
            self.tail.weight.mul_(0.1)

    @property
    def radius(self) -> int:
        """Receptive-field radius in pixels (18 for the default dilations)."""
        return 2 + sum(self.dilations)

    @torch.no_grad()
    def start_at(self, x: torch.Tensor, target: torch.Tensor) -> None:
        """Shift the output bias so that the mean output on `x` equals the mean of `target`
        (per channel; NaN targets left out): the untrained student starts on the data's
        intensity scale."""
        self.tail.bias.add_(target.nanmean(dim=(0, 2, 3)) - self(x).mean(dim=(0, 2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.head(x), inplace=True)
        # channels-last on a CPU, except under bf16 autocast (training): there oneDNN gave NaN
        # weight gradients for dilated convolutions of 24 channels in that layout
        h = h if torch.is_autocast_enabled("cpu") else cpu_layout(h)
        in_place = not torch.is_grad_enabled()  # ReLU's backward needs its output intact
        for conv in self.body:
            r = F.relu(conv(h), inplace=True)
            h = r.add_(h) if in_place and r.dtype == h.dtype else h + r
        return self.tail(h).contiguous()
