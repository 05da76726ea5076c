"""Helpers of the reliability suite: tiny training and 'nothing changed' checks."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32}


def digest(data: Any) -> str:
    """SHA-256 of an array's bytes, dtype and shape, or of a file's bytes."""
    if isinstance(data, (str, Path)):
        return hashlib.sha256(Path(data).read_bytes()).hexdigest()
    a = np.asarray(data)
    h = hashlib.sha256(str((a.dtype.str, a.shape)).encode())
    h.update(np.ascontiguousarray(a).tobytes() if a.dtype != object else repr(a.tolist()).encode())
    return h.hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    """Relative path -> hash of every file under `folder` (to prove nothing appeared/changed)."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def noisy(shape: tuple[int, ...], seed: int = 0, dtype: Any = np.float32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy = np.linspace(0, 1, shape[-2])[:, None] if len(shape) >= 2 else 0
    base = 0.5 + 0.3 * np.sin(6 * yy) * np.ones(shape)
    return (base + rng.normal(0, 0.1, shape)).astype(dtype)


def quick_train(image: Any, axes: str | None = None, steps: int = 2, **kw: Any) -> Any:
    import napari_sdap

    return napari_sdap.train(image, axes, steps=steps, **{**TINY, "stride": 2, **kw})
