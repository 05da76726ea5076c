"""Files: truncated/corrupted/foreign inputs and failing outputs, end to end with a model."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import tifffile

from napari_sdap.errors import InputError, OutputError
from napari_sdap.io import outputs
from napari_sdap.io.outputs import open_output
from napari_sdap.io.readers import open_image

from .helpers import digest, folder_state, noisy
from .test_model_files import Payload


@pytest.fixture(autouse=True)
def _quiet_tifffile():
    logging.getLogger("tifffile").setLevel(logging.CRITICAL)  # broken files log before raising


@pytest.fixture
def stack_file(tmp_path) -> Path:
    """A 5-slice ImageJ float32 stack (ZYX)."""
    path = tmp_path / "in" / "stack.tif"
    path.parent.mkdir()
    tifffile.imwrite(path, noisy((5, 32, 32)), imagej=True, metadata={"axes": "ZYX"})
    return path


def denoise_file(model, src_path: Path, out_path: Path, fail=None, **kw) -> None:
    """Denoise a file into an atomic output; `fail(step)` may raise to simulate a fault."""
    with open_image(src_path) as src:
        with open_output(out_path, src.shape, axes=src.axes, inputs=[src_path], **kw) as sink:
            for step in model.iter_denoise(src.array, sink.array, src.axes):
                if fail is not None:
                    fail(step)


def test_file_round_trip_matches_in_memory_denoising(gray_model, stack_file, tmp_path):
    before = digest(stack_file)
    out = tmp_path / "out.tif"
    denoise_file(gray_model, stack_file, out)
    expected = gray_model.denoise(tifffile.imread(stack_file), "ZYX")
    np.testing.assert_array_equal(tifffile.imread(out), expected)
    assert digest(stack_file) == before


def test_missing_input_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.tif: no such file or folder; check the path"):
        open_image(tmp_path / "nope.tif")


@pytest.mark.parametrize("keep", [0.5, 0.8], ids=["half", "most"])
def test_truncated_stack_is_refused_not_read_as_fewer_planes(stack_file, keep):
    """Regression: a stack cut at a page boundary opened as one complete-looking 2-D image."""
    raw = stack_file.read_bytes()
    stack_file.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(InputError, match=r"(do not match its imagej header \(images=5.*|"
                                         r"truncated).*copy or export"):
        open_image(stack_file)


def test_tiff_cut_inside_its_pixel_data(tmp_path):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, noisy((32, 32)))  # one page, no ImageJ header to compare with
    path.write_bytes(path.read_bytes()[:-2000])
    with pytest.raises(InputError, match=r"the file is truncated \(its image data runs to byte "
                                         r"\d+ but the file has \d+ bytes\); copy or export"):
        open_image(path)


def test_tiff_whose_header_announces_more_pages_than_it_has(stack_file):
    raw = stack_file.read_bytes().replace(b"images=5", b"images=9").replace(b"slices=5",
                                                                            b"slices=9")
    stack_file.write_bytes(raw)
    with pytest.raises(InputError, match=r"5 page\(s\) do not match its imagej header "
                                         r"\(images=9, slices=9\): truncated copy or wrong page"):
        open_image(stack_file)


@pytest.mark.parametrize("content", [b"", b"hello, not an image\n" * 20, b"II*\x00garbage"],
                         ids=["empty", "text", "bad-ifd"])
def test_non_image_files_named_tif(tmp_path, content):
    path = tmp_path / "fake.tif"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"fake\.tif: (not a readable TIFF file|could not read "
                                         r"the TIFF image data).*check"):
        open_image(path)
    assert path.read_bytes() == content


def test_unreadable_input_file(stack_file):
    # as root chmod 000 does not stop reading: simulate the EACCES the user would get
    denied = PermissionError(errno.EACCES, "Permission denied", str(stack_file))
    with mock.patch("tifffile.TiffFile", side_effect=denied):
        with pytest.raises(InputError, match=r"not a readable TIFF file .*Permission denied"):
            open_image(stack_file)


def test_pickled_npy_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.npy"
    np.save(path, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match=r"evil\.npy: not a readable \.npy array"):
        open_image(path)
    assert not marker.exists()


def test_unsupported_extension(tmp_path):
    with pytest.raises(InputError, match=r"unsupported file type; give a \.tif"):
        open_image(tmp_path / "image.bmp")


def test_output_path_equal_to_input_path_is_refused(gray_model, stack_file):
    before = folder_state(stack_file.parent)
    with pytest.raises(OutputError, match=r"is the input image .*never overwrite the input"):
        denoise_file(gray_model, stack_file, stack_file, overwrite=True)
    assert folder_state(stack_file.parent) == before


def test_existing_output_is_kept_unless_overwrite(gray_model, stack_file, tmp_path):
    out = tmp_path / "out.tif"
    out.write_bytes(b"precious")
    with pytest.raises(OutputError, match=r"already exists; pass overwrite=True"):
        denoise_file(gray_model, stack_file, out)
    assert out.read_bytes() == b"precious"


def test_read_only_output_folder(gray_model, stack_file, tmp_path, monkeypatch):
    monkeypatch.setattr(outputs.os, "access", lambda *a: False)  # root ignores mode bits
    with pytest.raises(OutputError, match=r"is not writable; choose a folder you can write to"):
        denoise_file(gray_model, stack_file, tmp_path / "out.tif")
    assert not (tmp_path / "out.tif").exists()


@pytest.mark.parametrize("name", ["out.tif", "out.zarr"])
def test_disk_full_mid_denoise_leaves_nothing(gray_model, stack_file, tmp_path, name):
    def fail(step):
        if step.done == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    before = folder_state(tmp_path)
    with pytest.raises(OutputError, match=r"the disk is full.*partial output was removed"):
        denoise_file(gray_model, stack_file, tmp_path / name, fail=fail)
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError], ids=["ctrl-c", "crash"])
def test_failure_while_overwriting_keeps_the_old_output(gray_model, stack_file, tmp_path, exc):
    out = tmp_path / "out.tif"
    denoise_file(gray_model, stack_file, out)
    before = folder_state(tmp_path)

    def fail(step):
        if step.done == 3:
            raise exc("stop")

    with pytest.raises(exc):
        denoise_file(gray_model, stack_file, out, fail=fail, overwrite=True)
    assert folder_state(tmp_path) == before
