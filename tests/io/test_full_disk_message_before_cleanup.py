"""A short write on a full disk says the disk is full, although the clean-up frees it.

Regression: a CLI batch into a nearly full disk (a 3 MB tmpfs) said "writing output
f1_sdap.tif failed (160000 requested and 40812 written); check the disk and the path" for
every file after the first: the TIFF writer's short write carries no error number, so the
disk is judged full by its free space, which was measured after the failed output's
temporaries (its scratch zarr and partial TIFF) had been removed and the space given back.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
from test_outputs import _leftovers, _write

from napari_sdap import paths
from napari_sdap.errors import OutputError
from napari_sdap.io import tiff_writer

_Usage = namedtuple("_Usage", "total used free")


def test_full_disk_is_named_when_the_cleanup_frees_space(tmp_path, monkeypatch):
    def usage(path):  # full while the output's temporaries are on the disk
        held = any(p.name.startswith(".") for p in tmp_path.iterdir())
        return _Usage(1 << 30, 0, 100 if held else 1 << 29)

    def short_write(*args, **kwargs):
        raise OSError("160000 requested and 40812 written")  # tifffile: no error number

    monkeypatch.setattr(tiff_writer, "_planes", short_write)
    monkeypatch.setattr(paths.shutil, "disk_usage", usage)
    with pytest.raises(OutputError, match="the disk is full; free space") as e:
        _write(tmp_path / "c.tif", np.ones((2, 8, 14), np.float32), "ZYX")
    assert "check the disk and the path" not in str(e.value)
    assert _leftovers(tmp_path) == []
