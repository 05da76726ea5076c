"""Compute-device choice: `auto`, `cpu`, `cuda`, `cuda:N`, `mps`."""

from __future__ import annotations

import re

import torch

from napari_sdap.errors import DeviceError

__all__ = ["available_devices", "resolve_device", "use_bf16"]


def available_devices() -> list[str]:
    """Devices this machine offers, best first (always ends with `cpu`)."""
    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    out = [f"cuda:{i}" for i in range(cuda)]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return [*out, "cpu"]


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """Turn a device name into a usable `torch.device`, else `DeviceError` saying what exists."""
    if isinstance(name, torch.device):
        name = str(name)
    if name is not None and not isinstance(name, str):  # (an int, as torch takes for cuda:N,
        # or bytes: a raw AttributeError / TypeError; 0, [] and {} ran silently on 'auto')
        raise DeviceError(f"device must be a text: 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' "
                          f"(got {name!r}, a {type(name).__name__}); e.g. device='cuda:0' "
                          f"for the first GPU")
    name = (name or "auto").strip().lower()
    have = available_devices()
    if name == "auto":
        return torch.device(have[0])
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if "mps" in have:
            return torch.device("mps")
    elif re.fullmatch(r"cuda(:\d+)?", name):
        index = int(name.split(":")[1]) if ":" in name else 0
        if f"cuda:{index}" in have:
            return torch.device(f"cuda:{index}")
    else:
        raise DeviceError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' (got {name!r})")
    raise DeviceError(f"device {name!r} is not available on this machine; available: "
                      f"{', '.join(have)} (or 'auto')")


def use_bf16(device: torch.device) -> bool:
    """bf16 autocast for inference on CUDA devices that support it; float32 elsewhere."""
    return device.type == "cuda" and torch.cuda.is_bf16_supported()


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes in bfloat16 natively: a CUDA device with bf16, or a CPU with
    AVX512-BF16 or AMX instructions (oneDNN then runs the networks' training steps about twice
    as fast as in float32; without them bf16 is emulated and slower)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


def train_bf16(device: torch.device, precision: str) -> bool:
    """Whether training steps run under bf16 autocast: `precision` `auto` where the device
    computes bf16 natively (`native_bf16`), `bfloat16` on any CUDA or CPU device, `float32`
    never (MPS always trains in float32)."""
    if precision == "float32" or device.type not in ("cuda", "cpu"):
        return False
    return precision == "bfloat16" or native_bf16(device)
