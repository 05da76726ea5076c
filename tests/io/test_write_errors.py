"""What a failed output write says: a short write on a full disk, and a stop inside the writer."""

from __future__ import annotations

import errno
from collections import namedtuple

import numpy as np
import pytest
from test_outputs import _leftovers, _write

from napari_sdap import paths
from napari_sdap.errors import OutputError
from napari_sdap.io import tiff_writer

_Usage = namedtuple("_Usage", "total used free")


def _short_write(*args, **kwargs):
    raise OSError("9216 requested and 3288 written")  # tifffile: no error number


@pytest.mark.parametrize(("free", "said"), [(100, "disk is full"), (1 << 40, "check the disk")])
def test_a_short_write_on_a_full_disk_says_the_disk_is_full(tmp_path, monkeypatch, free, said):
    monkeypatch.setattr(tiff_writer, "_planes", _short_write)
    monkeypatch.setattr(paths.shutil, "disk_usage", lambda p: _Usage(1 << 41, 0, free))
    with pytest.raises(OutputError, match=said):
        _write(tmp_path / "c.tif", np.ones((2, 8, 14), np.float32), "ZYX")
    assert _leftovers(tmp_path) == []


def test_a_stop_inside_the_writer_stops_even_when_its_cleanup_fails(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM landing inside the TIFF writer, whose cleanup then hits its closed
    file: the run stops (KeyboardInterrupt), it is not one failed output among others."""

    def stopped(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        finally:
            raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(tiff_writer, "_planes", stopped)
    with pytest.raises(KeyboardInterrupt):
        _write(tmp_path / "c.tif", np.ones((2, 8, 14), np.float32), "ZYX")
    assert _leftovers(tmp_path) == []


def test_an_error_of_its_own_is_still_an_output_error(tmp_path, monkeypatch):
    def bad(*args, **kwargs):
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(tiff_writer, "_planes", bad)
    with pytest.raises(OutputError, match="Bad file descriptor"):
        _write(tmp_path / "c.tif", np.ones((2, 8, 14), np.float32), "ZYX")
