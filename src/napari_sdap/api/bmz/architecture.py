"""The whole napari-sdap inference as one PyTorch module, for bioimage.io packages.

This file is copied as it is into every exported package (the `pytorch_state_dict` weights'
architecture) and is the source of the TorchScript weights, so it imports nothing but torch:
the package runs where napari-sdap is not installed (deepImageJ, ilastik, BiaPy, QuPath,
bioimageio.core). `SDAPDenoiser.forward` takes the raw image (batch, channel, y, x) on its own
intensity scale and returns the denoised image on the same scale:

1. percentile normalisation, per independent channel (`low`, `scale`), and for models of
   noise correlated along one axis the whitening along it (`whiten_axis`, `whiten_coef`);
2. repair of isolated outliers (hot or dead pixels) with the measured noise curve;
3. the network: the distilled student, or the blind-spot network as `bsn` (one pass),
   `sdap` (pixel-shuffle down, one pass, shuffle back) or `sdap_e` (`sdap`, then one
   full-resolution pass);
4. the teacher's bias correction (`infer.offset`) and the detail restore (a local Wiener
   filter on the residual), teacher modes only;
5. the output blur chosen for models trained on correlated noise (a Gaussian, `blur` px),
   or the mix with the blurred input chosen for models trained on white noise (`mix`);
6. the colouring back along the whitened axis, and the inverse normalisation.
"""

from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["SDAPDenoiser"]

# Constants are written out where used: TorchScript compiles no module-level globals.
# 6.0: an isolated outlier lies this many noise stds beyond all 8 neighbours (2.0: unless its
# neighbours rise this far above the ring around them, a spot's peak); 25.0: a residual
# above 5 local stds is an outlier, never detail; 3.4028234663852886e38: the float32 maximum.


class MaskedConv(nn.Module):
    """Square convolution whose centre tap is zero (the blind spot)."""

    def __init__(self, width: int, kernel: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(width, width, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(width))
        mask = torch.ones(1, 1, kernel, kernel)
        mask[..., kernel // 2, kernel // 2] = 0
        self.register_buffer("mask", mask, persistent=False)
        self.pad = kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.pad)


class Block(nn.Module):
    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.mix = nn.Conv2d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.relu(self.conv(x)))


class Branch(nn.Module):
    def __init__(self, width: int, blocks: int, s: int) -> None:
        super().__init__()
        self.masked = MaskedConv(width, 2 * s - 1)
        self.pre = nn.Sequential(nn.Conv2d(width, width, 1), nn.ReLU(),
                                 nn.Conv2d(width, width, 1), nn.ReLU())
        self.body = nn.Sequential(*[Block(width, s) for _ in range(blocks)])
        self.post = nn.Conv2d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.post(self.body(self.pre(F.relu(self.masked(x))))))


class BlindSpot(nn.Module):
    """DBSNl: two dilated branches around centre-masked convolutions."""

    def __init__(self, channels: int, width: int, blocks: int) -> None:
        super().__init__()
        self.head = nn.Conv2d(channels, width, 1)
        self.branch2 = Branch(width, blocks, 2)
        self.branch3 = Branch(width, blocks, 3)
        self.tail = nn.Sequential(
            nn.Conv2d(2 * width, width, 1), nn.ReLU(),
            nn.Conv2d(width, width // 2, 1), nn.ReLU(),
            nn.Conv2d(width // 2, width // 2, 1), nn.ReLU(),
            nn.Conv2d(width // 2, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.head(x))
        return self.tail(torch.cat([self.branch2(h), self.branch3(h)], dim=1))


class Student(nn.Module):
    """Plain residual dilated convolutions (sees every pixel)."""

    def __init__(self, channels: int, width: int, dilations: list[int]) -> None:
        super().__init__()
        self.head = nn.Conv2d(channels, width, 3, padding=1)
        self.body = nn.ModuleList(
            [nn.Conv2d(width, width, 3, padding=d, dilation=d) for d in dilations])
        self.tail = nn.Conv2d(width, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.head(x))
        for conv in self.body:
            h = h + F.relu(conv(h))
        return self.tail(h)


def pd_down(x: torch.Tensor, s: int) -> torch.Tensor:
    """Pixel-shuffle down: replicate-pad to multiples of s, stack the s*s phases in the batch."""
    h, w = x.shape[2], x.shape[3]
    x = F.pad(x, [0, (-w) % s, 0, (-h) % s], mode="replicate")
    n, c, hp, wp = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    x = x.reshape(n, c, hp // s, s, wp // s, s).permute(3, 5, 0, 1, 2, 4)
    return x.reshape(s * s * n, c, hp // s, wp // s)


def pd_up(x: torch.Tensor, s: int, h: int, w: int) -> torch.Tensor:
    """Inverse of `pd_down`, cropped to h x w."""
    n, c, hs, ws = x.shape[0] // (s * s), x.shape[1], x.shape[2], x.shape[3]
    x = x.reshape(s, s, n, c, hs, ws).permute(2, 3, 4, 0, 5, 1).reshape(n, c, hs * s, ws * s)
    return x[:, :, :h, :w]


def interp(x: torch.Tensor, levels: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear `values(levels)` at x (N x C x H x W), constant beyond the ends."""
    n, c, h, w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    flat = x.reshape(n, c, h * w).contiguous()
    hi = torch.searchsorted(levels.contiguous(), flat).clamp(1, levels.shape[-1] - 1)
    lo = hi - 1
    x0, x1 = levels.gather(-1, lo), levels.gather(-1, hi)
    y0, y1 = values.gather(-1, lo), values.gather(-1, hi)
    t = ((flat - x0) / (x1 - x0).clamp_min(1e-12)).clamp(0.0, 1.0)
    return (y0 + t * (y1 - y0)).reshape(n, c, h, w)


def repair(x: torch.Tensor, levels: torch.Tensor, variance: torch.Tensor) -> torch.Tensor:
    """Replace pixels more than 6 noise stds beyond all 8 neighbours by their median, unless
    the neighbours' mean lies more than 2 stds beyond the 16 pixels around them (a spot)."""
    n, c, h, w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    padded = F.pad(x, [1, 1, 1, 1], mode="reflect")
    cells: list[torch.Tensor] = []
    for dy in range(3):
        for dx in range(3):
            if dy != 1 or dx != 1:
                cells.append(padded[:, :, dy:dy + h, dx:dx + w])
    nb = torch.stack(cells, dim=2)
    med = nb.median(dim=2).values
    floor = variance.median(dim=-1, keepdim=True).values.unsqueeze(-1)
    std = interp(med, levels, variance).clamp_min(0.0).maximum(floor).sqrt()
    wide = F.pad(x.reshape(n * c, 1, h, w), [2, 2, 2, 2], mode="reflect")
    ring = (F.avg_pool2d(wide, 5, 1) * 25.0
            - F.avg_pool2d(wide[:, :, 1:h + 3, 1:w + 3], 3, 1) * 9.0) / 16.0
    rise = nb.mean(dim=2) - ring.reshape(n, c, h, w)
    bad = (((x - nb.amax(dim=2) > 6.0 * std) & (rise <= 2.0 * std))
           | ((nb.amin(dim=2) - x > 6.0 * std) & (-rise <= 2.0 * std)))
    return torch.where(bad, med, x)


def local_energy(r: torch.Tensor) -> torch.Tensor:
    """Mean of r**2 over the 7 x 7 window around each pixel, without the pixel itself."""
    c = r.shape[1]
    ring = torch.ones(1, 1, 7, 7, dtype=r.dtype, device=r.device)
    ring[:, :, 3, 3] = 0.0
    total = F.conv2d(r * r, ring.expand(c, 1, 7, 7), padding=3, groups=c)
    count = F.conv2d(torch.ones_like(r[:1, :1]), ring, padding=3)
    return total / count.clamp_min(1.0)


def restore(x: torch.Tensor, mu: torch.Tensor, levels: torch.Tensor, variance: torch.Tensor,
            threshold: float, strength: float = 1.0) -> torch.Tensor:
    """Give back the part of the residual x - mu that exceeds the local noise (scaled by the
    model's gate `strength`)."""
    r = x - mu
    s2 = interp(mu, levels, variance)
    energy = local_energy(r).clamp_min(1e-12)
    gain = (1.0 - threshold * s2 / energy).clamp_min(0.0)
    lone = r * r > 25.0 * torch.maximum(energy, s2)
    return mu + strength * gain.masked_fill(lone, 0.0) * r


def _taps(sigma: float) -> tuple[int, torch.Tensor]:
    """(half-width, normalised taps) of a Gaussian of `sigma` px (one tap of 1 for 0)."""
    reach = int(3.0 * sigma)  # the half-width: 3 sigma, rounded up (napari_sdap's)
    r = reach + 1 if reach < 3.0 * sigma else reach
    taps = torch.arange(-r, r + 1, dtype=torch.float64)
    kernel = torch.exp(-taps * taps / (2.0 * sigma * sigma)) if sigma > 0 else taps * 0 + 1
    return r, (kernel / kernel.sum()).float()


def smooth(y: torch.Tensor, kernel: torch.Tensor, r: int) -> torch.Tensor:
    """Separable Gaussian blur (taps `kernel`, half-width `r`) of each channel, edges mirrored
    (replicated where the image is smaller than the kernel)."""
    n, c, h, w = y.shape[0], y.shape[1], y.shape[2], y.shape[3]
    flat = y.reshape(n * c, 1, h, w)
    mode = "reflect" if min(h, w) > r else "replicate"
    flat = F.conv2d(F.pad(flat, [r, r, 0, 0], mode=mode), kernel.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, [0, 0, r, r], mode=mode), kernel.view(1, 1, -1, 1))
    return flat.reshape(n, c, h, w)


def scan_whiten(x: torch.Tensor, coef: float, dim: int) -> torch.Tensor:
    """(x[i] - coef x[i-1]) / (1 - coef) along `dim` (-1: X, -2: Y), the first pixel repeated."""
    n = x.shape[dim]
    prev = torch.cat([x.narrow(dim, 0, 1), x.narrow(dim, 0, n - 1)], dim=dim)
    return (x - coef * prev) / (1.0 - coef)


def scan_colour(y: torch.Tensor, taps: torch.Tensor, dim: int) -> torch.Tensor:
    """`y` through the causal filter of `taps` (lag 0 last) along `dim`, the first pixel
    repeated before the edge."""
    moved = y.movedim(dim, -1)
    shape = moved.shape
    flat = F.pad(moved.reshape(-1, 1, shape[-1]), [taps.shape[0] - 1, 0], mode="replicate")
    return F.conv1d(flat, taps.view(1, 1, -1)).reshape(shape).movedim(-1, dim)


class SDAPDenoiser(nn.Module):
    """Raw image (batch, channel, y, x) in, denoised image on the same scale out (float32).

    `channels`: channels the network sees jointly; `groups`: independent channels, each with
    its own normalisation (one of the two is 1). `low`/`scale`: the normalisation per group;
    `levels`/`variance`: the noise curve [group][channel][knot] (None: no repair, no restore);
    `offset`: the teacher's bias correction [group][channel] (None: none); `blur`: the
    standard deviation (px) of the output's Gaussian blur (0: none), then `colour_blur` that of
    its two colour (opponent) components alone, for RGB (0: none); `mix`: the share of the
    repaired input, blurred by `mix_blur` px without the kernel's centre tap (each pixel from
    its neighbours; 0 px: the input itself), mixed into the output last (0: none), and per
    pixel less of it where the blurred input departs from the output by more than `mix_guard`
    noise stds (none from twice that; 0: no such guard). `whiten_axis` ("X", "Y"; "": none)
    and `whiten_coef`: the input whitened along that axis, the output coloured back by an
    exponential of `whiten_coef` per pixel, cut where its weight falls below 1e-6.
    """

    def __init__(self, mode: str, channels: int, groups: int, low: list[float],
                 scale: list[float], width: int, blocks: int = 0,
                 dilations: Optional[list[int]] = None,  # noqa: UP045 (runs on Python 3.9)
                 pd_stride: int = 1,
                 levels: Optional[list[list[list[float]]]] = None,  # noqa: UP045
                 variance: Optional[list[list[list[float]]]] = None,  # noqa: UP045
                 threshold: float = 1.0, detail: bool = False, strength: float = 1.0,
                 offset: Optional[list[list[float]]] = None,  # noqa: UP045
                 blur: float = 0.0, mix: float = 0.0, mix_blur: float = 0.0,
                 mix_guard: float = 0.0, colour_blur: float = 0.0,
                 whiten_axis: str = "", whiten_coef: float = 0.0) -> None:
        super().__init__()
        self.mode, self.pd_stride = mode, int(pd_stride)
        self.channels, self.groups = int(channels), int(groups)
        self.threshold, self.strength = float(threshold), float(strength)
        self.has_curve = levels is not None
        self.detail = bool(detail) and self.has_curve and mode != "student"
        if mode == "student":
            self.net = Student(channels, width, [int(d) for d in dilations or []])
        else:
            self.net = BlindSpot(channels, width, blocks)
        self.register_buffer("low", torch.tensor(low, dtype=torch.float64))
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float64))
        if levels is None or variance is None:
            levels = variance = [[[0.0, 1.0]] * channels] * groups
        self.register_buffer("levels", torch.tensor(levels, dtype=torch.float32))
        self.register_buffer("variance", torch.tensor(variance, dtype=torch.float32))
        if offset is None:  # no correction: adding 0.0 leaves the output exactly as it is
            offset = [[0.0] * channels] * groups
        self.register_buffer("offset", torch.tensor(offset, dtype=torch.float32))
        self.radius, kernel = _taps(blur)
        self.register_buffer("kernel", kernel)
        self.mix = float(mix)
        self.mix_guard = float(mix_guard)
        self.mix_radius, mix_kernel = _taps(mix_blur)
        self.register_buffer("mix_kernel", mix_kernel)
        self.colour_radius, colour_kernel = _taps(colour_blur)
        self.register_buffer("colour_kernel", colour_kernel)
        opponent = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, -1.0], [1.0, -2.0, 1.0]],
                                dtype=torch.float64)  # brightness and two colour components
        self.register_buffer("opponent", (opponent / opponent.norm(dim=1, keepdim=True)).float())
        self.whiten_coef = float(whiten_coef) if whiten_axis else 0.0
        self.whiten_dim = -1 if whiten_axis == "X" else -2
        n = 1  # the taps: the fewest whose last weight's decay coef**n is at most 1e-6
        while 0.0 < self.whiten_coef and (n < 2 or self.whiten_coef**n > 1e-6):
            n += 1
        lags = torch.arange(n, dtype=torch.float64)
        taps = (1.0 - self.whiten_coef) * self.whiten_coef ** lags
        self.register_buffer("scan_taps", (taps / taps.sum()).flip(0).float())

    def network(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "student" or self.mode == "bsn":
            return self.net(x)
        s = self.pd_stride
        y = pd_up(self.net(pd_down(x, s)), s, x.shape[2], x.shape[3])
        if self.mode == "sdap_e":
            y = self.net(y)
        return y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
        x = x.reshape(b * self.groups, self.channels, h, w)
        g = torch.arange(self.groups, device=x.device).repeat(b)
        low = self.low[g].view(-1, 1, 1, 1)
        scale = self.scale[g].view(-1, 1, 1, 1)
        xn = ((x.double() - low) / scale).float()
        if self.whiten_coef > 0:
            xn = scan_whiten(xn, self.whiten_coef, self.whiten_dim)
        levels, variance = self.levels[g], self.variance[g]
        if self.has_curve:
            xn = repair(xn, levels, variance)
        y = self.network(xn)
        y = y + self.offset[g].view(-1, self.channels, 1, 1)  # the teacher's bias correction
        if self.detail:
            y = restore(xn, y, levels, variance, self.threshold, self.strength)
        if self.radius > 0:
            y = smooth(y, self.kernel, self.radius)
        if self.colour_radius > 0:
            o = torch.einsum("ck,nkhw->nchw", self.opponent, y)
            o = torch.cat([o[:, :1], smooth(o[:, 1:], self.colour_kernel, self.colour_radius)], 1)
            y = torch.einsum("kc,nkhw->nchw", self.opponent, o)
        if self.mix > 0:
            around = xn  # no blur: the input itself (napari_sdap's `donut` of 0 px)
            if self.mix_radius > 0:
                g0 = self.mix_kernel[self.mix_radius] * self.mix_kernel[self.mix_radius]
                around = (smooth(xn, self.mix_kernel, self.mix_radius) - g0 * xn) / (1.0 - g0)
            apart = around - y
            share = torch.ones_like(y)
            if self.mix_guard > 0:
                floor = (variance.amax(dim=-1, keepdim=True) * 1e-4).clamp_min(1e-12)
                std = interp(y, levels, variance).maximum(floor.unsqueeze(-1)).sqrt()
                share = (2.0 - apart.abs() / (std * self.mix_guard)).clamp(0.0, 1.0)
            y = y + self.mix * share * apart
        if self.whiten_coef > 0:
            y = scan_colour(y, self.scan_taps, self.whiten_dim)
        top = 3.4028234663852886e38
        out = (y.double() * scale + low).clamp(-top, top).float()
        return out.reshape(b, c, h, w)
