"""`napari-sdap export` with a full temporary folder (a cluster's small /tmp, while the output
folder had room) ended in "unexpected error (RuntimeError: [enforce fail at
inline_container.cc:672] . unexpected pos 11072 vs 10992)": torch's word for a short write.
The error names the temporary folder, its free space and TMPDIR; other errors are untouched."""

from __future__ import annotations

import errno
import os
import shutil
from collections import namedtuple
from pathlib import Path
from unittest import mock

import pytest
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401

from napari_sdap.cli import main

if not os.environ.get("CI"):  # CI installs the [bmz] extra: a missing library must fail there
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")

SHORT_WRITE = RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 11072 "
                           "vs 10992")
Usage = namedtuple("Usage", "total used free")


def _export(model_file: Path, tmp_path: Path, weights_error: BaseException, free: int,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    write_stack(tmp_path / "cell.tif", seed=0, planes=2, size=64)
    real = shutil.disk_usage
    with mock.patch("napari_sdap.api.bmz.export.write_weights", side_effect=weights_error), \
            mock.patch("napari_sdap.api.bmz.export.shutil.disk_usage",
                       side_effect=lambda p: Usage(1 << 30, 0, free) if "sdap-bmz-" in str(p)
                       else real(p)):
        code = main(["export", str(model_file), str(tmp_path / "m.zip"), "--sample",
                     str(tmp_path / "cell.tif")])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("error", [SHORT_WRITE, OSError(errno.ENOSPC, "No space left")])
def test_a_full_temporary_folder_is_named(model_file: Path, tmp_path: Path, error,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _export(model_file, tmp_path, error, 4096, capsys)
    assert code == 2 and "temporary folder" in err and "TMPDIR" in err, err
    assert "unexpected error" not in err and "Traceback" not in err
    assert not (tmp_path / "m.zip").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cell.tif"]


def test_other_failures_with_room_are_not_put_down_to_the_disk(
        model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _export(model_file, tmp_path, SHORT_WRITE, 10 << 30, capsys)
    assert code != 0 and "TMPDIR" not in err and "unexpected pos" in err, err


def test_a_full_output_folder_names_no_hidden_temporary(
        model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path / "cell.tif", seed=0, planes=2, size=64)
    full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch("bioimageio.spec.save_bioimageio_package", side_effect=full):
        code = main(["export", str(model_file), str(tmp_path / "m.zip"), "--sample",
                     str(tmp_path / "cell.tif")])
    err = capsys.readouterr().err
    assert code == 2 and "No space left" in err and str(tmp_path) in err, err
    assert ".partial" not in err and "TMPDIR" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["cell.tif"]
