"""DBSNl: the two-branch dilated blind-spot network used by AP-BSN and SDAP.

Head 1x1 conv, then two branches (s = 2 and s = 3) each made of a centre-masked
(2s-1)x(2s-1) conv, two 1x1 convs, `blocks` residual blocks (3x3 conv with dilation s, ReLU,
1x1 conv, plus the block input) and a 1x1 conv; the branches are concatenated and a 1x1 tail
maps them to the output. No normalisation layers, no global residual. The output at a pixel never
depends on the input at that pixel; the receptive field is (2 * (2 + 3 * blocks) + 1) pixels wide.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["BlindSpotNet", "CentreMaskedConv2d", "cpu_layout"]


class CentreMaskedConv2d(nn.Conv2d):
    """A square convolution whose centre tap is always zero, for every channel pair."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int) -> None:
        super().__init__(in_ch, out_ch, kernel_size, padding=kernel_size // 2)
        mask = torch.ones(1, 1, kernel_size, kernel_size)
        mask[..., kernel_size // 2, kernel_size // 2] = 0
        self.register_buffer("mask", mask, persistent=False)
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class _DilatedBlock(nn.Module):
    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.mix = nn.Conv2d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.relu(self.conv(x)))


class _Branch(nn.Module):
    def __init__(self, width: int, blocks: int, s: int) -> None:
        super().__init__()
        self.masked = CentreMaskedConv2d(width, width, 2 * s - 1)
        self.pre = nn.Sequential(
            nn.Conv2d(width, width, 1), nn.ReLU(), nn.Conv2d(width, width, 1), nn.ReLU()
        )
        self.body = nn.Sequential(*[_DilatedBlock(width, s) for _ in range(blocks)])
        self.post = nn.Conv2d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pre(F.relu(self.masked(x)))
        return F.relu(self.post(self.body(x)))


def cpu_layout(h: torch.Tensor) -> torch.Tensor:
    """`h` in channels-last memory layout on a CPU (unchanged elsewhere): oneDNN's convolutions
    ran 1.3-1.4x faster on such activations, forward and backward, on a 2-core x86 machine
    (docs/benchmarks.md); the values agree to float rounding (about 1e-6)."""
    return h.contiguous(memory_format=torch.channels_last) if h.device.type == "cpu" else h


class BlindSpotNet(nn.Module):
    """DBSNl with configurable channels, width C and blocks M (paper: C=128, M=9).

    Input and output are N x C x H x W float tensors of the same size; no pixel-shuffle inside.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, width: int = 128,
                 blocks: int = 9) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.width, self.blocks = width, blocks
        self.head = nn.Conv2d(in_channels, width, 1)
        self.branch2 = _Branch(width, blocks, 2)
        self.branch3 = _Branch(width, blocks, 3)
        self.tail = nn.Sequential(
            nn.Conv2d(2 * width, width, 1), nn.ReLU(),
            nn.Conv2d(width, width // 2, 1), nn.ReLU(),
            nn.Conv2d(width // 2, width // 2, 1), nn.ReLU(),
            nn.Conv2d(width // 2, out_channels, 1),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He (Kaiming) initialisation for the ReLU stack, zero biases.

        PyTorch's default convolution init shrinks the signal by about sqrt(3) per layer, so
        through the ~10 layers of DBSNl the output starts nearly constant and training sits on a
        plateau for hundreds of steps. He init keeps the signal scale; each residual block's
        last 1x1 conv is scaled by 1/sqrt(blocks) so deep branches do not blow it up instead, and
        the output conv by 0.1 so the first steps do not start from a large random offset.
        Uses the global torch RNG (seed it for reproducible weights).
        """
        for name, module in self.named_modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
                with torch.no_grad():
                    if name.endswith(".mix"):
                        module.weight.mul_(self.blocks ** -0.5)
                    if isinstance(module, CentreMaskedConv2d):
                        module.weight.mul_(module.mask)
        with torch.no_grad():  # start near a zero output, not at a large random offset
            self.tail[-1].weight.mul_(0.1)

    @torch.no_grad()
    def start_at(self, batch: torch.Tensor) -> None:
        """Shift the output bias so that the mean output on `batch` (normalised training
        patches, N x C x H x W) equals the batch's per-channel mean.

        Called before the first training step: the untrained network then returns about the
        data's mean instead of a random offset, so a model stopped after a few steps (or shown
        in a live preview) stays on the input's intensity scale.
        """
        out = self(batch).mean(dim=(0, 2, 3))
        self.tail[-1].bias.add_(batch.mean(dim=(0, 2, 3)) - out)

    @property
    def radius(self) -> int:
        """Receptive-field radius in pixels of the network input (29 for the paper's M=9)."""
        return 2 + 3 * self.blocks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(F.relu(self.head(x)))

    def trunk(self, h: torch.Tensor) -> torch.Tensor:
        """Branches and tail on the head's features (N x width... x H x W)."""
        h = cpu_layout(h)
        return self.tail(torch.cat([self.branch2(h), self.branch3(h)], dim=1)).contiguous()
