"""Model files, round 2: any header length loads, saving never replaces by accident, and a full
disk keeps the old file and the model (crafted fields: test_model_file_fields.py)."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import struct
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest
from extras import needs
from safetensors import SafetensorError

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError, OutputError

from .helpers import digest, folder_state, noisy
from .test_model_files import Payload


def _split(path: Path) -> tuple[bytes, bytes]:
    """(header JSON without its padding, tensor bytes) of a safetensors file."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return raw[8:8 + n].rstrip(b" "), raw[8 + n:]


# ----------------------------------------------------------------- 1. any header length loads
def test_every_header_length_modulo_256_loads(gray_model, model_file, tmp_path):
    """Regression: a header length whose low byte is 0x80 was refused as 'a Python pickle'."""
    header, data = _split(model_file)
    image = noisy((24, 24))
    refused = {}
    for extra in range(256):
        padded = header + b" " * extra  # JSON allows trailing spaces: still a valid header
        path = tmp_path / "padded.safetensors"
        path.write_bytes(struct.pack("<Q", len(padded)) + padded + data)
        try:
            model = load_model(path)
        except ModelFileError as err:
            refused[len(padded) % 256] = str(err)
            continue
        if len(padded) % 256 == 0x80:
            np.testing.assert_array_equal(model.denoise(image), gray_model.denoise(image))
    assert refused == {}


def test_models_saved_with_any_header_length_load(model_file, tmp_path):
    """The writer pads the header to 8 bytes: 32 residues; a longer file name in the record
    moves the length through all of them (the `denoise --train` failure, 1 model in 32)."""
    model = load_model(model_file)
    seen = set()
    for k in range(0, 256, 8):
        model.record.trained_on = ["x" * k]
        path = model.save(tmp_path / f"m{k}.safetensors")
        seen.add(struct.unpack("<Q", path.read_bytes()[:8])[0] % 256)
        assert load_model(path).record.trained_on == ["x" * k]
    assert seen == set(range(0, 256, 8))


def test_truncated_file_with_a_0x80_header_length_is_not_called_a_pickle(model_file, tmp_path):
    header, data = _split(model_file)
    padded = header + b" " * ((0x80 - len(header)) % 256)
    raw = struct.pack("<Q", len(padded)) + padded + data
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(ModelFileError, match=r"not a readable napari-sdap model file \(truncated"):
        load_model(cut)


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_pickles_of_every_protocol_are_refused_unexecuted(tmp_path, protocol):
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Payload(marker), protocol=protocol))
    # protocols 2-5 start with the PROTO opcode and are named; 0-1 have no signature
    said = r"is a Python pickle.*never unpickles" if protocol >= 2 else r"not a readable"
    with pytest.raises(ModelFileError, match=said):
        load_model(evil)
    assert not marker.exists()


# ----------------------------------------------------------- 5. saving never replaces by accident
def test_save_refuses_an_existing_file_by_default(gray_model, model_file):
    before = digest(model_file)
    with pytest.raises(OutputError, match=r"already exists; choose another name or pass "
                                          r"overwrite=True"):
        gray_model.save(model_file)
    assert digest(model_file) == before


def test_save_replaces_only_when_told(gray_model, model_file, tmp_path):
    path = shutil.copy(model_file, tmp_path / "m.safetensors")
    load_model(path).save(path, overwrite=True)
    assert load_model(path).record.steps == gray_model.record.steps


@pytest.mark.parametrize("overwrite", [False, True])
def test_save_onto_a_folder_is_refused(gray_model, tmp_path, overwrite):
    folder = tmp_path / "models.safetensors"
    folder.mkdir()
    (folder / "keep.txt").write_text("data")
    before = folder_state(tmp_path)
    with pytest.raises(OutputError, match=r"is a folder, not a model file name; give a file "
                                          r"path such as .*model\.safetensors"):
        gray_model.save(folder, overwrite=overwrite)
    assert folder_state(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_save_onto_a_named_pipe_is_refused(gray_model, tmp_path):
    pipe = tmp_path / "m.safetensors"
    os.mkfifo(pipe)
    with pytest.raises(OutputError, match=r"exists and is not a regular file"):
        gray_model.save(pipe, overwrite=True)
    assert pipe.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_widget_replaces_only_a_file_confirmed_in_the_save_dialog(gray_model, model_file,
                                                                  tmp_path):
    widget_train = needs("napari_sdap._napari.widget_train", "napari")
    from napari_sdap._napari import controls  # save_model's helpers
    from napari_sdap._napari import session as panel_session
    path = shutil.copy(model_file, tmp_path / "m.safetensors")
    older = load_model(path)
    older.record.trained_on = ["an older model"]
    other = older.save(tmp_path / "other.safetensors")
    before = digest(path)
    session = SimpleNamespace(model=gray_model, save=lambda p, overwrite: gray_model.save(
        p, overwrite=overwrite))
    fake = SimpleNamespace(session=session, status=mock.Mock())
    with mock.patch.object(controls, "report_error") as reported:
        widget_train.TrainWidget.save_model(fake, str(path))  # a path from code: never replaced
    assert isinstance(reported.call_args.args[0], OutputError) and digest(path) == before
    with mock.patch.object(panel_session, "model_file_dialog", return_value=str(other)):
        widget_train.TrainWidget.save_model(fake)  # the dialog asked before replacing
    assert load_model(other).record.trained_on == gray_model.record.trained_on


# --------------------------------------------------------------------------- 8. disk full
def _partial_then(exc):
    def fake_save(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x00" * 100)  # some bytes reached the disk, then it failed
        raise exc
    return fake_save


FULL = [SafetensorError('Error while serializing: I/O error: No space left on device (os '
                        'error 28)'), OSError(errno.ENOSPC, "No space left on device")]


@pytest.mark.parametrize("exc", FULL, ids=["SafetensorError", "OSError"])
@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "new"])
def test_disk_full_keeps_the_old_file_and_the_model(model_file, tmp_path, exc, existing):
    model = load_model(model_file)
    path = tmp_path / "m.safetensors"
    if existing:
        shutil.copy(model_file, path)
    before = folder_state(tmp_path)
    with mock.patch("safetensors.torch.save_file", _partial_then(exc)):
        with pytest.raises(OutputError, match=r"No space left on device.*the disk is full: free "
                                              r"some space or choose a folder on another disk, "
                                              r"then save again \(the model is still in memory"):
            model.save(path, overwrite=True)
    assert folder_state(tmp_path) == before  # old file intact, no temporary left
    image = noisy((24, 24))
    expected = model.denoise(image)  # still usable ...
    np.testing.assert_array_equal(load_model(model.save(path, overwrite=True)).denoise(image),
                                  expected)  # ... and saveable once there is space


@pytest.mark.parametrize("exc", [SafetensorError("Error while serializing: Permission denied"),
                                 OSError(errno.EIO, "Input/output error")], ids=["lib", "EIO"])
def test_other_write_failures_name_the_fix_and_leave_nothing(gray_model, tmp_path, exc):
    with mock.patch("safetensors.torch.save_file", _partial_then(exc)):
        with pytest.raises(OutputError, match=r"cannot write model file .*; choose a writable "
                                              r"folder or another file name, then save again"):
            gray_model.save(tmp_path / "m.safetensors")
    assert folder_state(tmp_path) == {}


def test_a_write_error_reported_only_at_flush_keeps_the_old_file(model_file, tmp_path):
    """Network drives and quotas report a full disk when the data is flushed, not written."""
    path = shutil.copy(model_file, tmp_path / "m.safetensors")
    before = folder_state(tmp_path)
    with mock.patch("os.fsync", side_effect=OSError(errno.EDQUOT, "Disk quota exceeded")):
        with pytest.raises(OutputError, match=r"Disk quota exceeded; the disk is full"):
            load_model(path).save(path, overwrite=True)
    assert folder_state(tmp_path) == before
