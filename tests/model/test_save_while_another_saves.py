"""Two saves of one model file name at once: the later never silently replaces the earlier.

`save(path)` (and `export_bmz(path)`) without `overwrite` checked that `path` was free before
writing and then renamed its temporary over whatever was there: a model saved at that name by
another process meanwhile (two trainings of a lab's job array ending together; two exports of
a package, which takes seconds) was replaced without a word, and both processes said "saved".
The temporary is now put in place only where the name is still free (a hard link, atomic).
"""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import OutputError
from napari_sdap.paths import atomic_write

_OTHER = b"a model another process saved meanwhile"


@pytest.fixture(scope="module")
def model():
    img = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    return napari_sdap.train(img, axes="YX", preset="tiny", steps=2, width=8, blocks=1,
                             student=False, device="cpu")


def _saved_meanwhile(monkeypatch, path):
    """safetensors' writer that also has another process save at `path` while it writes."""
    import safetensors.torch

    real = safetensors.torch.save_file

    def save_file(tensors, filename, metadata=None):
        real(tensors, filename, metadata=metadata)
        path.write_bytes(_OTHER)

    monkeypatch.setattr(safetensors.torch, "save_file", save_file)


def test_a_file_saved_meanwhile_is_kept(tmp_path, model, monkeypatch):
    path = tmp_path / "m.safetensors"
    _saved_meanwhile(monkeypatch, path)
    with pytest.raises(OutputError, match=r"saved while this one was written.*overwrite=True"):
        model.save(path)
    assert path.read_bytes() == _OTHER  # (was: replaced by this save, which said nothing)
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]  # no temporary left
    monkeypatch.undo()
    kept = model.save(tmp_path / "other.safetensors")  # the model is still there to save
    assert napari_sdap.load_model(kept).record.steps == 2


def test_overwrite_still_replaces_it(tmp_path, model, monkeypatch):
    path = tmp_path / "m.safetensors"
    _saved_meanwhile(monkeypatch, path)
    model.save(path, overwrite=True)
    monkeypatch.undo()
    assert napari_sdap.load_model(path).record.steps == 2
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


@pytest.mark.parametrize("code", [errno.EPERM, errno.ENOTSUP, errno.EINVAL])
def test_without_hard_links_the_name_is_checked_before_the_rename(tmp_path, monkeypatch, code):
    def no_link(src, dst):  # FAT, some network shares (Windows: EINVAL)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "f.bin"
    with atomic_write(path, replace=False) as tmp:
        tmp.write_bytes(b"first")
    assert path.read_bytes() == b"first"
    with pytest.raises(FileExistsError), atomic_write(path, replace=False) as tmp:
        tmp.write_bytes(b"second")
    assert path.read_bytes() == b"first" and sorted(os.listdir(tmp_path)) == ["f.bin"]


def test_an_export_written_meanwhile_is_kept(tmp_path, model, monkeypatch):
    pytest.importorskip("bioimageio.spec")
    from napari_sdap.api.bmz import export

    path = tmp_path / "m.zip"

    def build(model, ex, sample, axes, target, **kwargs):  # seconds of work, meanwhile ...
        target.write_bytes(b"this export's package")
        path.write_bytes(_OTHER)  # ... another export finished at that name

    monkeypatch.setattr(export, "_build", build)
    img = np.random.default_rng(1).normal(0.5, 0.1, (96, 96)).astype(np.float32)
    with pytest.raises(OutputError, match="written while this package was made"):
        model.export_bmz(path, sample=img, authors=["A B"])
    assert path.read_bytes() == _OTHER and sorted(os.listdir(tmp_path)) == ["m.zip"]
