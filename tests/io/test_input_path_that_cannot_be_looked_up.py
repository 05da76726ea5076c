"""An input path that the system cannot look up: a name over 255 bytes (a string that is not a
path, or a name built from metadata) raised a raw `OSError: [Errno 36] File name too long` from
`open_image`, `train`, `analyze_noise` and `quality_report`, and a folder of the path that
cannot be searched a raw `PermissionError`; each is an `InputError` naming the path and the
system's reason, with what to check."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import InputError

LONG = "a" * 300


@pytest.mark.parametrize("suffix", [".tif", ".npy", ".zarr", ""])
def test_a_name_over_the_limit_is_an_input_error(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(InputError, match=r"cannot be looked up \(File name too long\); check "
                                         r"the path \(a file or folder name holds at most 255"):
        napari_sdap.open_image(tmp_path / f"{LONG}{suffix}")


def test_training_and_the_noise_analysis_on_such_a_name(tmp_path: Path) -> None:
    from napari_sdap.api import analyze_noise

    path = tmp_path / f"{LONG}.tif"
    with pytest.raises(InputError, match="File name too long"):
        napari_sdap.train(path, preset="tiny", steps=1, device="cpu")
    with pytest.raises(InputError, match="File name too long"):
        analyze_noise(path)
    with pytest.raises(InputError, match="File name too long"):
        napari_sdap.quality_report(path, np.zeros((16, 16), np.float32))


def test_a_folder_that_cannot_be_searched(tmp_path: Path, monkeypatch) -> None:
    """Simulated (root ignores permissions): stat raises EACCES for the file."""
    path = tmp_path / "locked" / "cells.tif"
    real = Path.stat

    def stat(self, *args, **kwargs):
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(InputError, match=r"cells\.tif: cannot be looked up \(Permission denied"):
        napari_sdap.open_image(path)


def test_a_missing_file_is_still_named_as_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder; check the path"):
        napari_sdap.open_image(tmp_path / "missing.tif")


def test_export_with_such_a_sample_path_names_it(tmp_path: Path) -> None:
    """The export's check that the package is not written onto its sample stat'ed the sample
    path first (a raw OSError there)."""
    from napari_sdap.io.locate import overlaps

    assert not overlaps(tmp_path / "out.zip", tmp_path / f"{LONG}.tif")
    assert not overlaps(tmp_path / f"{LONG}.tif", tmp_path / "out.zip")
