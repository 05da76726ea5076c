"""Keeping every path a command writes (model file, output folder) away from its inputs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from napari_sdap.cli.discover import find_inputs
from napari_sdap.errors import OutputError
from napari_sdap.paths import printable, zarr_node

__all__ = ["check_apart", "check_model_file"]


def _real(path: str | Path) -> Path:
    """The path with symlinks, `..` and `~` resolved (it need not exist)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _store_of(image: Path) -> Path | None:
    """The outermost zarr store (group) holding `image`, an array inside it (`cells.zarr/raw`,
    `plate.zarr/A/1/0`); None for an image that is not inside one."""
    store = None
    for parent in image.parents:
        if not zarr_node(parent):
            break
        store = parent
    return store


def check_apart(target: Path, patterns: Sequence[str], option: str,
                folder_ok: bool = False) -> None:
    """Refuse `target` when it resolves to an input image or lies inside one (a zarr store).

    Every image the INPUT arguments name counts, including images of a folder that the batch
    would otherwise skip (earlier outputs). With `folder_ok`, `target` may be a folder named
    as INPUT (an output folder next to the inputs); a file path never may.
    """
    real = _real(target)
    for image in (_real(p) for p in find_inputs(patterns, results=True)):
        if real == image or image in real.parents:
            where = "is" if real == image else "lies inside"
            raise OutputError(f"{option} {target} {where} the input {image}; napari-sdap "
                              f"never writes over its inputs, so choose a path outside them")
        store = _store_of(image)
        if store is not None and (real == store or store in real.parents):
            raise OutputError(f"{option} {target} lies inside the zarr store {store} that "
                              f"holds the input {image}; napari-sdap never writes into its "
                              f"inputs, so choose a path outside the store")
    if folder_ok:
        return
    for pattern in patterns:
        if Path(pattern).expanduser().is_dir() and real == _real(pattern):
            raise OutputError(f"{option} {target} is the input folder {pattern}; choose a file "
                              f"name outside the inputs")


def check_model_file(model: str) -> None:
    """Refuse a `--model` path that names a folder (an existing one, or a name ending in '/')
    or a device, before the training: its save refused them after the training, which was lost
    (the message said "already exists; pass --overwrite", which then trained for nothing), and
    a name ending in '/' was saved as a file of that name."""
    out = Path(model).expanduser()
    if model.endswith(("/", os.sep)) or out.is_dir():
        raise OutputError(f"--model {printable(model)} names a folder, not a model file; give "
                          f"the model file's path, e.g. {printable(out / 'model.safetensors')}")
    if out.exists() and not out.is_file():
        raise OutputError(f"--model {printable(model)} exists and is not a regular file (a "
                          f"device, pipe or socket); choose another --model name")
