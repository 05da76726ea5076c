"""Model files: truncated, tampered, foreign, pickled and unwritable files; atomic saving."""

from __future__ import annotations

import errno
import json
import pickle
import struct
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from folders import read_only
from safetensors.torch import load_file, save_file

from napari_sdap import load_model
from napari_sdap.errors import InputError, ModelFileError, OutputError
from napari_sdap.model.files import read_model_file, write_model_file

from .helpers import digest, folder_state, noisy


def _header(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def _write_header(path: Path, header: dict, data: bytes) -> None:
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def _resign(src: Path, dst: Path, edit) -> None:
    """Rewrite a model with edited metadata *and a valid checksum* (a well-formed foreign file)."""
    tensors, meta = read_model_file(src)
    meta = edit(meta) or meta
    version = meta.pop("format_version")
    write_model_file(dst, tensors, {"format_version": version, **meta})


class Payload:
    """Unpickling this creates the file `marker`: proof that code in the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_gives_identical_results(gray_model, model_file):
    image = noisy((24, 24))
    np.testing.assert_array_equal(load_model(model_file).denoise(image), gray_model.denoise(image))


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.safetensors does not exist; check the path"):
        load_model(tmp_path / "nope.safetensors")


def test_folder_instead_of_a_model_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"is a folder, not a model file"):
        load_model(tmp_path)


@pytest.mark.parametrize("keep", [0, 7, 100, 0.5, -10], ids=["empty", "7B", "100B", "half",
                                                                "minus10B"])
def test_truncated_model_files_are_refused_and_left_alone(model_file, tmp_path, keep):
    raw = model_file.read_bytes()
    n = int(len(raw) * keep) if isinstance(keep, float) else keep
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(raw[:n])
    before = digest(cut)
    with pytest.raises(ModelFileError, match=r"not a readable napari-sdap model file \(truncated, "
                                             r"corrupted or another format.*original file"):
        load_model(cut)
    assert digest(cut) == before


def test_edited_json_fails_the_checksum(model_file, tmp_path):
    header, data = _header(model_file)
    meta = json.loads(header["__metadata__"]["napari_sdap"])
    meta["config"]["inference"]["pd_stride"] = 3  # a plausible, valid-looking edit
    header["__metadata__"]["napari_sdap"] = json.dumps(meta, sort_keys=True)
    edited = tmp_path / "edited.safetensors"
    _write_header(edited, header, data)
    with pytest.raises(ModelFileError, match=r"failed its checksum: the file was modified"):
        load_model(edited)


def test_metadata_without_a_checksum_says_so(model_file, tmp_path):
    """Another tool's file with napari-sdap metadata (empty) but no checksum: not "modified
    after saving", which it never was."""
    header, data = _header(model_file)
    header["__metadata__"] = {"napari_sdap": ""}
    other = tmp_path / "other.safetensors"
    _write_header(other, header, data)
    with pytest.raises(ModelFileError, match=r"has 'napari_sdap' metadata but no checksum "
                                             r"\('napari_sdap_sha256'\): it was not written by "
                                             r"napari-sdap's save, or was edited"):
        load_model(other)


def test_flipped_weight_byte_fails_the_checksum(model_file, tmp_path):
    raw = bytearray(model_file.read_bytes())
    raw[-3] ^= 0x40
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"failed its checksum.*use the original file"):
        load_model(bad)


def test_unknown_format_version(model_file, tmp_path):
    future = tmp_path / "v2.safetensors"
    _resign(model_file, future, lambda m: m.update(format_version="2.0"))
    with pytest.raises(ModelFileError, match=r"model format version 2\.0, this napari-sdap reads "
                                             r"1\.x; use the napari-sdap version that wrote it"):
        load_model(future)


def test_valid_checksum_but_invalid_settings(model_file, tmp_path):
    bad = tmp_path / "width2.safetensors"
    _resign(model_file, bad, lambda m: m["config"]["network"].update(width=2))
    with pytest.raises(ModelFileError, match=r"invalid settings \(network\.width: .*greater "
                                             r"than or equal to 4\).*edited"):
        load_model(bad)


def test_settings_that_do_not_match_the_weights(model_file, tmp_path):
    bad = tmp_path / "mismatch.safetensors"
    _resign(model_file, bad, lambda m: m["config"]["network"].update(width=16))
    with pytest.raises(ModelFileError, match=r"weights do not match the stored network settings"):
        load_model(bad)


def test_foreign_safetensors_file(tmp_path):
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(other))
    with pytest.raises(ModelFileError, match=r"safetensors file but not a napari-sdap model"):
        load_model(other)


def test_channel_count_of_a_loaded_model_must_match_the_image(rgb_model, tmp_path):
    path = rgb_model.save(tmp_path / "rgb.safetensors")
    with pytest.raises(InputError, match=r"model takes 3 joint channel\(s\)"):
        load_model(path).denoise(noisy((24, 24)))


def test_a_pickle_renamed_to_safetensors_is_never_executed(tmp_path):
    proof = tmp_path / "proof-the-payload-works"
    pickle.loads(pickle.dumps(Payload(proof))).close()  # the payload really runs when unpickled
    assert proof.exists()
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ModelFileError, match=r"is a Python pickle.*never unpickles"):
        load_model(evil)
    assert not marker.exists()


def test_a_torch_checkpoint_renamed_to_safetensors_is_never_executed(tmp_path):
    marker = tmp_path / "PWNED"
    evil = tmp_path / "checkpoint.safetensors"
    torch.save({"state": Payload(marker)}, evil)
    with pytest.raises(ModelFileError, match=r"zip archive \(e\.g\. a PyTorch .*never unpickles"):
        load_model(evil)
    assert not marker.exists()


def test_a_huge_header_length_is_refused_without_allocating(tmp_path):
    bad = tmp_path / "huge.safetensors"
    bad.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(ModelFileError, match=r"not a readable napari-sdap model file"):
        load_model(bad)


def test_unreadable_model_file(model_file):
    # tests may run as root, where chmod 000 does not stop reading: simulate EACCES instead
    denied = PermissionError(errno.EACCES, "Permission denied", str(model_file))
    with mock.patch("napari_sdap.model.files.open", create=True, side_effect=denied):
        with pytest.raises(ModelFileError, match=r"cannot read model file .*permission denied; "
                                                 r"check the file's permissions"):
            load_model(model_file)


def test_save_does_not_overwrite_unless_asked(gray_model, model_file):
    before = digest(model_file)
    with pytest.raises(OutputError, match=r"already exists; choose another name or pass overwrite"):
        gray_model.save(model_file, overwrite=False)
    assert digest(model_file) == before


def test_save_into_a_missing_folder(gray_model, tmp_path):
    with pytest.raises(OutputError, match=r"folder .*missing does not exist; create it first"):
        gray_model.save(tmp_path / "missing" / "m.safetensors")
    assert folder_state(tmp_path) == {}


def test_save_into_a_read_only_folder(gray_model, tmp_path):
    """Regression: mkstemp outside the try block raised a bare PermissionError."""
    with read_only(tmp_path / "ro") as folder, pytest.raises(
            OutputError, match=r"cannot write model file .*Permission denied; choose a writable "
                               r"folder"):
        gray_model.save(folder / "m.safetensors")
    assert folder_state(folder) == {}


def _partial_then(exc):
    def fake_save(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x00" * 100)  # some bytes hit the disk, then it fails
        raise exc
    return fake_save


@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device"),
                                 KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_failed_save_keeps_the_old_file_and_leaves_no_partial(gray_model, model_file, exc):
    folder = model_file.parent
    before = folder_state(folder)
    expected = OutputError if isinstance(exc, OSError) else KeyboardInterrupt
    with mock.patch("safetensors.torch.save_file", _partial_then(exc)):
        with pytest.raises(expected, match=r"No space left on device" if expected is OutputError
                           else ""):
            gray_model.save(model_file, overwrite=True)
    assert folder_state(folder) == before
    assert set(gray_model.network.state_dict()) <= set(load_file(str(model_file)))
