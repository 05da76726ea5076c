"""The paths model files are saved to: `~` expanded, and names that would be taken for an image,
a bioimage.io package or a pickled torch file refused, as would bytes safetensors cannot open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from napari_sdap.errors import OutputError
from napari_sdap.io.readers import image_suffix
from napari_sdap.paths import not_utf8, printable

__all__ = ["check_model_name", "model_path"]


def model_path(path: Any) -> Path:
    """The file a model (or a bioimage.io package) is written to: `~` expanded, as for images
    and outputs; anything but a path is an `OutputError`."""
    if not isinstance(path, str | os.PathLike):
        raise OutputError(f"a model is saved to a file path (got {type(path).__name__}); e.g. "
                          f"model.save('model.safetensors')")
    return Path(path).expanduser()


def check_model_name(path: str | os.PathLike[str]) -> None:
    """Refuse a model file name that ends like an image (`m.tif`, `m.zarr`): the file would be
    a safetensors model that image viewers, and napari-sdap's own inputs, take for an image;
    or like a bioimage.io package (`.zip`, which `load_model` reads as one) or a pickled torch
    file (`.pt`, `.pth`, `.ckpt`, `.pkl`: other tools would try to unpickle it)."""
    p = Path(path)
    if isinstance(path, str) and path.endswith(("/", os.sep)):  # (Path drops it: saved as a
        # file named like the folder meant)
        raise OutputError(f"model file path {printable(path)} names a folder (it ends in "
                          f"'/'), not a model file; give a file path such as "
                          f"{printable(p / 'model.safetensors')}")
    if not_utf8(str(p)):  # safetensors takes UTF-8 paths only: saved, it could not be loaded
        raise OutputError(f"model file path {printable(p)} is not UTF-8 text (bytes of another "
                          f"encoding, e.g. Latin-1 from an old share), which safetensors cannot "
                          f"open; give a path in UTF-8")
    suffix = image_suffix(p.name)
    if suffix is not None:
        raise OutputError(f"model file name {p} ends like an image ({suffix}); a model is a "
                          f"safetensors file: give e.g. {_instead(p, suffix)}")
    suffix = p.suffix.lower()
    if suffix in _NOT_SAFETENSORS:
        raise OutputError(f"model file name {p} ends in {p.suffix}, {_NOT_SAFETENSORS[suffix]}; "
                          f"a model is a safetensors file: give e.g. {_instead(p, suffix)}")


def _instead(path: Path, suffix: str) -> Path:
    """`path` without `suffix`, ending in `.safetensors` once (`m.safetensors.tif` was told to
    give `m.safetensors.safetensors`)."""
    name = path.name[: -len(suffix)] or "model"
    return path.with_name(name if name.lower().endswith(".safetensors") else
                          name + ".safetensors")


_NOT_SAFETENSORS = {
    ".zip": "which load_model reads as a bioimage.io package (export_bmz writes those)",
    **dict.fromkeys((".pt", ".pth", ".ckpt", ".pkl", ".pickle"),
                    "which names a pickled torch file that other tools would unpickle"),
}
