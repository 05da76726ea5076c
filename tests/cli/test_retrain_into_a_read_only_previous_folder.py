"""`denoise --train --retrain` in an output folder whose `sdap_previous/` cannot be written (a
project copied from another user's account, a read-only copy of that folder): the new model
was trained, then setting the old one aside failed with "unexpected error (OSError: [Errno 30]
Read-only file system ...)" and the training was lost. It is refused before the training,
naming the folder and the fix; the old model and its outputs stay as they were."""

from __future__ import annotations

import errno
import tempfile

import numpy as np
import tifffile

from napari_sdap.cli import main
from napari_sdap.cli import plan as cli_plan

_TRAIN = ["--train", "--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1",
          "--stride", "2", "--no-student", "--device", "cpu", "--threads", "1"]


def _project(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    rng = np.random.default_rng(0)
    tifffile.imwrite(raw / "a.tif", rng.normal(100, 10, (48, 48)).astype(np.float32))
    assert main(["denoise", str(raw), "-o", str(out), *_TRAIN]) == 0
    (out / "sdap_previous").mkdir()
    tifffile.imwrite(raw / "b.tif", rng.normal(100, 10, (48, 48)).astype(np.float32))
    return raw, out


def _state(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _no_training(*args, **kwargs):
    raise AssertionError("trained before the refusal")


def test_a_read_only_previous_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    raw, out = _project(tmp_path)
    before = _state(out)
    real = tempfile.TemporaryDirectory

    def read_only(*args, dir=None, **kwargs):
        if dir is not None and str(dir).endswith("sdap_previous"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryDirectory", read_only)
    monkeypatch.setattr(cli_plan, "train_on", _no_training)
    capsys.readouterr()
    assert main(["denoise", str(raw), "-o", str(out), "--retrain", *_TRAIN]) == 2
    err = capsys.readouterr().err
    assert f"cannot write into {out / 'sdap_previous'} (Read-only file system)" in err
    assert "--retrain keeps the old model" in err and "unexpected" not in err
    assert _state(out) == before


def test_a_file_named_like_the_previous_folder_is_refused_before_training(tmp_path, capsys,
                                                                         monkeypatch):
    raw, out = _project(tmp_path)
    (out / "sdap_previous").rmdir()
    (out / "sdap_previous").write_text("not a folder")
    before = _state(out)
    monkeypatch.setattr(cli_plan, "train_on", _no_training)
    capsys.readouterr()
    assert main(["denoise", str(raw), "-o", str(out), "--retrain", *_TRAIN]) == 2
    assert f"cannot write into {out / 'sdap_previous'}" in capsys.readouterr().err
    assert _state(out) == before
