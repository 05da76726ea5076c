"""Input names whose bytes are not UTF-8 (Latin-1 `caf\\xe9.tif` from an old share or a zip).

Python sees them with lone surrogates: the whole batch ended in "unexpected error
(UnicodeEncodeError ...)" before any file (output temporaries' names, the name-length check,
printing the file's line), and with `--workers` the dask key of such a file broke the
scheduler's connection, failing every file of the batch.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main
from napari_sdap.cli.cluster import submit
from napari_sdap.cli.jobs import FileTask

LATIN1 = os.fsdecode(b"caf\xe9.tif")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    try:
        (raw / LATIN1).write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(raw / LATIN1, image)
    tifffile.imwrite(raw / "plain.tif", image)
    return raw


def test_batch_with_a_latin1_name(folder, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["denoise", str(folder), "--train", "--preset", "tiny", "--steps", "2", "--width",
            "8", "--blocks", "1", "--stride", "2", "--no-student", "-o", str(out),
            "--device", "cpu", "--threads", "1", "--qc"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "caf\\xe9.tif" in err and "unexpected error" not in err
    assert (out / os.fsdecode(b"caf\xe9_sdap.tif")).is_file() and (out / "plain_sdap.tif").is_file()
    assert main(args) == 0  # the rerun finds it done
    assert "0 denoised, 2 skipped" in capsys.readouterr().err


def test_cluster_key_is_sendable(tmp_path):
    keys = []

    class Client:
        def submit(self, *args, key, **kwargs):
            keys.append(key)
            return object()

    task = FileTask(input=str(tmp_path / LATIN1), output=str(tmp_path / os.fsdecode(
        b"caf\xe9_sdap.tif")), model_path="m.safetensors", model_sha256="0" * 64)
    submit(Client(), task, (48, 48), "YX", 10**9, 1)
    assert keys and all(key.encode("utf-8") for key in keys)  # msgpack needs UTF-8
    assert "caf\\xe9_sdap.tif" in keys[0]
