"""Reading back a bioimage.io package that napari-sdap exported (the attached model file).

Only the attached safetensors model file is read, with the usual checks; the package's
PyTorch weights (pickles) are never opened. Other packages are refused with a clear error.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from napari_sdap.errors import ModelFileError
from napari_sdap.model.header import read_header

__all__ = ["attached_model", "is_package"]

_DESCRIPTIONS = ("rdf.yaml", "bioimageio.yaml")
_MAX_MODEL = 4 << 30
"""Largest attached model file read (bytes): far above any napari-sdap model."""


def is_package(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a zip file holding a bioimage.io description at its top level.

    A zip whose table of contents is damaged, or whose description lies one folder down (a
    package's folder zipped whole, as "Compress folder" does), is a `ModelFileError` saying
    so: either would otherwise be called "a zip archive (e.g. a PyTorch checkpoint)"."""
    try:
        if not Path(path).is_file() or not zipfile.is_zipfile(path):  # a pipe would block:
            return False  # the model file reader names it
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except OSError:
        return False
    except (zipfile.BadZipFile, ValueError, EOFError) as err:  # the end record alone was read
        raise ModelFileError(f"{path} is a zip archive whose table of contents is damaged "
                             f"({err}); copy or download it again") from None
    if any(_describes(n) for n in names):
        return True
    folders = sorted({n.split("/")[0] for n in names if n.count("/") == 1 and _describes(
        n.split("/")[1])})
    if folders:
        raise ModelFileError(f"{path} holds a bioimage.io package inside its folder "
                             f"{folders[0]}/ (the folder was zipped, not its files); a package "
                             f"holds its files at the top level: zip the files inside "
                             f"{folders[0]}, or unzip it and load the .safetensors file in it")
    return False


def _describes(name: str) -> bool:
    """Whether a file of that name (in a zip) is a bioimage.io description."""
    return name in _DESCRIPTIONS or name.endswith(".bioimageio.yaml")


@contextmanager
def attached_model(path: str | os.PathLike[str],
                   check: Callable[[str, dict[str, Any] | None], None] | None = None
                   ) -> Iterator[Path]:
    """The model file attached to a package written by `SDAPModel.export_bmz`, extracted to a
    temporary folder for the duration of the block (load it with `api.loading`).

    `check(name, header)` is given the attached file's safetensors header (None: it has none)
    before it is extracted, to refuse a file that declares gigabytes of tensors it does not
    need (a few MB of zip can hold them)."""
    from napari_sdap.api.bmz.export import MODEL_FILE

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
        if check is not None:
            try:
                with z.open(info) as src:
                    header = read_header(src, src.read(8), info.file_size,
                                         f"{path}: {MODEL_FILE}")
            except (OSError, zipfile.BadZipFile, EOFError):  # named when it is extracted
                header = None
            except (NotImplementedError, RuntimeError) as err:
                raise _unpackable(path, err) from None
            check(f"{path}: {MODEL_FILE}", header)
        with tempfile.TemporaryDirectory(prefix="sdap-bmz-read-") as tmp:
            target = Path(tmp) / MODEL_FILE
            try:
                with z.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except (OSError, zipfile.BadZipFile, EOFError) as err:  # bad CRC, truncated zip
                raise ModelFileError(f"the attached {MODEL_FILE} in {path} cannot be read "
                                     f"({err}); the package is damaged") from None
            except (NotImplementedError, RuntimeError) as err:
                raise _unpackable(path, err) from None
            yield target


def _unpackable(path: str | os.PathLike[str], err: BaseException) -> ModelFileError:
    """The attached model is encrypted (RuntimeError) or compressed with a method Python's
    zip reader lacks (NotImplementedError: Deflate64, which Windows uses for large zips, ...)."""
    from napari_sdap.api.bmz.export import MODEL_FILE

    return ModelFileError(f"the attached {MODEL_FILE} in {path} cannot be unpacked ({err}): "
                          f"it is encrypted or compressed with a method Python's zip reader "
                          f"lacks (e.g. Deflate64); zip the package again with ordinary "
                          f"(deflate) compression and no password, or export it again")
