"""Zips given as a model that are not a readable package: a package's folder zipped whole (its
description one folder down) and a zip whose table of contents is damaged are each named
(regression: the first was called "a zip archive (e.g. a PyTorch .pt/.pth checkpoint)", the
second raised a raw zipfile.BadZipFile from load_model)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from api_helpers import model_bytes_fixture  # noqa: F401 (fixture)

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError

MODEL = "napari_sdap_model.safetensors"


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def test_package_folder_zipped_whole_is_named(tmp_path, model_bytes):
    path = _zip(tmp_path / "pkg.zip", {"mypkg/rdf.yaml": b"type: model\n",
                                       f"mypkg/{MODEL}": model_bytes,
                                       "__MACOSX/mypkg/._rdf.yaml": b""})
    with pytest.raises(ModelFileError, match=r"pkg\.zip holds a bioimage\.io package inside its "
                                             r"folder mypkg/ .* zip the files inside mypkg"):
        load_model(path)


def test_damaged_table_of_contents_is_named(tmp_path, model_bytes):
    path = _zip(tmp_path / "pkg.zip", {"rdf.yaml": b"type: model\n", MODEL: model_bytes})
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 1] = 0x58  # the central directory's first entry loses its signature
    path.write_bytes(bytes(data))
    assert zipfile.is_zipfile(path)  # its end record is intact
    with pytest.raises(ModelFileError, match=r"pkg\.zip is a zip archive whose table of "
                                             r"contents is damaged .* copy or download it"):
        load_model(path)


def test_top_level_package_and_other_zips_as_before(tmp_path, model_bytes):
    load_model(_zip(tmp_path / "pkg.zip", {"rdf.yaml": b"type: model\n", MODEL: model_bytes}))
    other = _zip(tmp_path / "ckpt.zip", {"archive/data.pkl": b"\x80\x02}q\x00.",
                                         "archive/version": b"3\n"})
    with pytest.raises(ModelFileError, match=r"zip archive \(e\.g\. a PyTorch"):
        load_model(other)
