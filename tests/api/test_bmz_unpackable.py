"""A bioimage.io package whose attached model is encrypted or compressed with a method Python's
zip reader lacks (Deflate64, as Windows writes large zips; AES ...) is a `ModelFileError` that
says so and how to zip it again (regression: a raw NotImplementedError "That compression method
is not supported" / RuntimeError "password required", and in the CLI "unexpected error")."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from api_helpers import model_bytes_fixture  # noqa: F401 (fixture)

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError

MODEL = "napari_sdap_model.safetensors"


def _package(path: Path, model: bytes, method: int | None = None, flags: int = 0) -> Path:
    """A package holding `model`, its entry's compression method and flag bits set by hand in
    the local and the central header."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("rdf.yaml", "type: model\n")
        z.writestr(MODEL, model)
    data = bytearray(path.read_bytes())
    for sig, name_at, head, flag_at, method_at in ((b"PK\x03\x04", 26, 30, 6, 8),
                                                  (b"PK\x01\x02", 28, 46, 8, 10)):
        at = data.find(sig)
        while at >= 0:
            length = struct.unpack("<H", data[at + name_at:at + name_at + 2])[0]
            if bytes(data[at + head:at + head + length]) == MODEL.encode():
                if method is not None:
                    data[at + method_at:at + method_at + 2] = struct.pack("<H", method)
                data[at + flag_at:at + flag_at + 2] = struct.pack("<H", flags)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(("method", "flags"), [(9, 0), (99, 0), (None, 1)],
                         ids=["deflate64", "aes", "encrypted"])
def test_unpackable_attached_model_is_named(tmp_path, model_bytes, method, flags):
    path = _package(tmp_path / "pkg.zip", model_bytes, method, flags)
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=r"pkg\.zip cannot be unpacked \(.*\): it is "
                                             r"encrypted or compressed with a method .* zip the "
                                             r"package again"):
        load_model(path)
    assert path.read_bytes() == before


def test_cli_names_it_in_one_line(tmp_path, model_bytes, capsys):
    import tifffile

    from napari_sdap.cli import main

    path = _package(tmp_path / "pkg.zip", model_bytes, 9)
    image = tmp_path / "img.tif"
    tifffile.imwrite(image, np.random.default_rng(1).normal(0.5, 0.1, (32, 32)).astype("f4"))
    code = main(["denoise", str(image), "--model", str(path), "--output", str(tmp_path / "out"),
                 "--device", "cpu", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot be unpacked" in err and "unexpected error" not in err


def test_a_plain_package_still_loads(tmp_path, model_bytes):
    load_model(_package(tmp_path / "pkg.zip", model_bytes))
