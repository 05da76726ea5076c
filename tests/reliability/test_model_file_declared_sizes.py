"""A model file (or the model inside a bioimage.io package) whose header declares tensors the
network does not need is refused from its header, before any weight is read or extracted
(regression: a 1 MB zip package holding a 1 GB tensor of zeros was extracted to a temporary
file and read whole, 2.2 GB of memory, before the checksum refused it; a plain file the same)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError
from napari_sdap.model.files import _KEY, _SUM, read_model_file

from .helpers import digest

SPARE = 256 << 20  # bytes of the declared tensor


def _header_and_data(src: Path) -> tuple[dict, bytes]:
    raw = src.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def _write(stream, header: dict, data: bytes, zeros: int) -> None:
    text = json.dumps(header).encode()
    stream.write(struct.pack("<Q", len(text)) + text + data)
    chunk = bytes(1 << 22)
    for _ in range(zeros // len(chunk)):
        stream.write(chunk)


def _with_spare(src: Path, name: str = "spare", shape=None) -> tuple[dict, bytes]:
    header, data = _header_and_data(src)
    header[name] = {"dtype": "U8", "shape": shape or [SPARE],
                    "data_offsets": [len(data), len(data) + SPARE]}
    return header, data


def _package(path: Path, header: dict, data: bytes) -> Path:
    from napari_sdap.api.bmz.export import MODEL_FILE

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("rdf.yaml", "format_version: 0.5.3\ntype: model\n")
        with z.open(MODEL_FILE, "w", force_zip64=True) as f:
            _write(f, header, data, SPARE)
    return path


def _never_read(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the weights were read")

    monkeypatch.setattr("safetensors.torch.load_file", never)


def test_package_with_a_huge_extra_tensor_is_refused_before_extracting(model_file, tmp_path,
                                                                       monkeypatch):
    path = _package(tmp_path / "bomb.zip", *_with_spare(model_file))
    assert path.stat().st_size < SPARE // 100  # a zip bomb: 256 MB in well under 3 MB
    before = digest(path.read_bytes())
    _never_read(monkeypatch)
    monkeypatch.setattr("tempfile.TemporaryDirectory", lambda *a, **k: pytest.fail("extracted"))
    with pytest.raises(ModelFileError, match=r"bomb\.zip: napari_sdap_model\.safetensors: weights "
                                             r"do not match .*unexpected tensor\(s\) spare"):
        load_model(path)
    assert digest(path.read_bytes()) == before


def test_file_with_a_huge_extra_tensor_is_refused_before_reading(model_file, tmp_path,
                                                                 monkeypatch):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as f:
        _write(f, *_with_spare(model_file), SPARE)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=r"unexpected tensor\(s\) spare"):
        load_model(path)


@pytest.mark.parametrize("dtype", ["F8_E5M2", "U16", "F4"])
def test_an_exotic_dtype_is_no_way_around_the_header_check(model_file, tmp_path, monkeypatch,
                                                           dtype):
    header, data = _with_spare(model_file)
    size = {"F8_E5M2": 1, "U16": 2, "F4": 0.5}[dtype]
    header["spare"].update(dtype=dtype, shape=[int(SPARE / size)])
    path = tmp_path / "exotic.safetensors"
    with open(path, "wb") as f:
        _write(f, header, data, SPARE)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=r"unexpected tensor\(s\) spare"):
        load_model(path)


def test_a_shape_torch_cannot_make_is_no_way_around_it(model_file, tmp_path, monkeypatch):
    header, data = _with_spare(model_file)
    header["odd"] = {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}
    path = tmp_path / "odd.safetensors"
    with open(path, "wb") as f:
        _write(f, header, data, SPARE)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=r"declares \d+ bytes of weights, the network "
                                             r"needs \d+"):
        load_model(path)


def test_tensor_declared_larger_than_the_network_needs(model_file, tmp_path, monkeypatch):
    """A needed tensor's name with another shape: its shape is named from the header."""
    tensors, _ = read_model_file(model_file)
    name = sorted(tensors)[0]
    header = _header_and_data(model_file)[0]
    header[name]["shape"] = [SPARE // 4]
    header[name]["data_offsets"][1] = header[name]["data_offsets"][0] + SPARE
    path = tmp_path / "wide.safetensors"
    with open(path, "wb") as f:  # the tensor's own bytes stay where the others expect them
        _write(f, header, b"", 0)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=rf"tensor {name} has shape \[{SPARE // 4}\]"):
        load_model(path)


def test_settings_that_do_not_validate_keep_their_message(model_file, tmp_path):
    """The header check leaves invalid settings to the full checks (same message as before)."""
    header, data = _header_and_data(model_file)
    meta = json.loads(header["__metadata__"][_KEY])
    meta["config"]["network"]["width"] = 2
    header["__metadata__"][_KEY] = json.dumps(meta)
    path = tmp_path / "w2.safetensors"
    with open(path, "wb") as f:
        _write(f, header, data, 0)
    assert _SUM in header["__metadata__"]
    with pytest.raises(ModelFileError, match=r"failed its checksum"):
        load_model(path)
