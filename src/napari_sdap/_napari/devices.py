"""Compute devices to offer, and memory sizes as text."""

from __future__ import annotations

__all__ = ["device_choices", "format_bytes"]


def device_choices() -> list[str]:
    """`auto` followed by the devices torch sees (cuda:N, mps, cpu)."""
    from napari_sdap.api.devices import available_devices

    return ["auto", *available_devices()]


def format_bytes(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover
