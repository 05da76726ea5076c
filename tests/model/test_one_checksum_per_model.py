"""The same model saved twice gives the same bytes: the safetensors writer listed the two
metadata keys in an order that varied from one save to the next (`model.header.sort_header`)."""

from __future__ import annotations

import hashlib
import json

import torch
from safetensors.torch import load, save

from napari_sdap.model.files import read_model_file, write_model_file
from napari_sdap.model.header import sort_header


def test_saving_twice_gives_one_sha256(tmp_path):
    tensors = {"b.weight": torch.arange(6.0).reshape(2, 3), "a.bias": torch.ones(5)}
    meta = {"kind": "test", "names": ["é", "ü"]}
    sums = set()
    for k in range(12):  # (two orders, each about half the time, before)
        path = write_model_file(tmp_path / f"m{k}.safetensors", tensors, meta)
        sums.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(sums) == 1
    read, header = read_model_file(tmp_path / "m0.safetensors")
    assert header["kind"] == "test" and header["names"] == ["é", "ü"]
    assert all(torch.equal(read[k], v) for k, v in tensors.items())


def test_the_sorted_header_keeps_the_tensors_and_pads_to_eight_bytes(tmp_path):
    tensors = {"z": torch.arange(3, dtype=torch.int16), "y": torch.zeros(2, 2)}
    path = tmp_path / "t.safetensors"
    path.write_bytes(save(tensors, metadata={"second": "2", "first": "1 ünïcode"}))
    sort_header(path)
    fixed = path.read_bytes()
    n = int.from_bytes(fixed[:8], "little")
    assert n % 8 == 0
    header = json.loads(fixed[8:8 + n])
    assert list(header["__metadata__"]) == ["first", "second"]
    assert list(header) == sorted(header)
    assert header["__metadata__"]["first"] == "1 ünïcode"
    again = load(fixed)
    assert all(torch.equal(again[k], v) for k, v in tensors.items())
    sort_header(path)
    assert path.read_bytes() == fixed


def test_a_header_of_another_length_is_rewritten_whole(tmp_path):
    tensors = {"w": torch.arange(4.0)}
    path = tmp_path / "t.safetensors"
    blob = save(tensors, metadata={"b": "1", "a": "2"})
    n = int.from_bytes(blob[:8], "little")
    wide = blob[8:8 + n].replace(b'":', b'": ') + b" " * 8  # the same JSON, spaced out
    wide += b" " * (-len(wide) % 8)
    path.write_bytes(len(wide).to_bytes(8, "little") + wide + blob[8 + n:])
    sort_header(path)
    fixed = path.read_bytes()
    assert int.from_bytes(fixed[:8], "little") < len(wide)
    assert torch.equal(load(fixed)["w"], tensors["w"])
