"""Reading back a bioimage.io package that napari-sdap exported (the attached model file).

Only the attached safetensors model file is read, with the usual checks; the package's
PyTorch weights (pickles) are never opened. Other packages are refused with a clear error.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from napari_sdap.errors import ModelFileError

if TYPE_CHECKING:
    from napari_sdap.api.model import SDAPModel

__all__ = ["is_package", "load_package"]

_DESCRIPTIONS = ("rdf.yaml", "bioimageio.yaml")
_MAX_MODEL = 4 << 30
"""Largest attached model file read (bytes): far above any napari-sdap model."""


def is_package(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a zip file holding a bioimage.io description at its top level."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as z:
            return any(n in _DESCRIPTIONS or n.endswith(".bioimageio.yaml") for n in z.namelist())
    except OSError:
        return False


def load_package(path: str | os.PathLike[str]) -> SDAPModel:
    """The `SDAPModel` inside a package written by `SDAPModel.export_bmz`."""
    from napari_sdap.api.bmz.export import MODEL_FILE
    from napari_sdap.api.loading import load

    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as err:
        raise ModelFileError(f"cannot read the bioimage.io package {path}: {err}") from None
    with z:
        try:
            info = z.getinfo(MODEL_FILE)
        except KeyError:
            raise ModelFileError(
                f"{path} is a bioimage.io package that napari-sdap did not export (it has no "
                f"{MODEL_FILE} attached); napari-sdap loads its own .safetensors model files "
                f"and the packages it exported; run other packages with bioimageio.core, "
                f"deepImageJ or the tool that made them") from None
        if info.file_size > _MAX_MODEL:
            raise ModelFileError(f"the attached {MODEL_FILE} in {path} is {info.file_size} "
                                 f"bytes, too large for a napari-sdap model; the package was "
                                 f"edited or damaged")
        with tempfile.TemporaryDirectory(prefix="sdap-bmz-read-") as tmp:
            target = Path(tmp) / MODEL_FILE
            try:
                with z.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except (OSError, zipfile.BadZipFile, EOFError) as err:  # bad CRC, truncated zip
                raise ModelFileError(f"the attached {MODEL_FILE} in {path} cannot be read "
                                     f"({err}); the package is damaged") from None
            try:
                return load(target)
            except ModelFileError as err:
                raise ModelFileError(f"{path}: {err}") from None
