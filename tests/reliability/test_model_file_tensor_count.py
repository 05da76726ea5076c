"""Model files whose safetensors header lists far more tensors than any model holds are refused
from the header, before the safetensors reader builds them (regression: a 100 MB header of 1.5
million empty tensors took 80 s and 3 GB of memory before the checksum refused it)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError
from napari_sdap.model import files
from napari_sdap.model.header import MAX_TENSORS

from .helpers import digest


def _with_empty_tensors(src: Path, dst: Path, count: int) -> Path:
    """`src` with `count` extra empty tensors listed in its header (data unchanged)."""
    raw = src.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    for i in range(count):
        header[f"spare{i}"] = {"dtype": "F32", "shape": [0], "data_offsets": [len(data)] * 2}
    text = json.dumps(header, separators=(",", ":")).encode()
    dst.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return dst


def test_header_with_too_many_tensors_is_refused_before_reading(model_file, tmp_path,
                                                                monkeypatch):
    path = _with_empty_tensors(model_file, tmp_path / "many.safetensors", 20_000)
    before = digest(path.read_bytes())

    def never(*args, **kwargs):
        raise AssertionError("the safetensors reader was reached")

    monkeypatch.setattr("safetensors.torch.load_file", never)
    monkeypatch.setattr("safetensors.torch.safe_open", never)
    with pytest.raises(ModelFileError, match=r"lists more than 4096 tensors.*not a napari-sdap "
                                             r"model file"):
        load_model(path)
    assert digest(path.read_bytes()) == before


def test_a_few_extra_tensors_still_reach_the_checksum(model_file, tmp_path):
    """Below the limit the file is read as before (its edit is found by the checksum)."""
    path = _with_empty_tensors(model_file, tmp_path / "few.safetensors", 10)
    with pytest.raises(ModelFileError, match=r"failed its checksum"):
        load_model(path)


def test_saved_model_is_well_under_the_limit(model_file):
    tensors, _ = files.read_model_file(model_file)
    assert 0 < len(tensors) < MAX_TENSORS
    load_model(model_file)
