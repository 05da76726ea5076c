"""The one atomic file write shared by model files and run records."""

from __future__ import annotations

import os
import stat

import pytest

from napari_sdap.paths import atomic_write, file_mode


def test_atomic_write_replaces_only_when_complete(tmp_path):
    target = tmp_path / "record.json"
    target.write_text("old")
    with atomic_write(target, sync=True) as tmp:
        tmp.write_text("new")
        assert target.read_text() == "old" and tmp.parent == tmp_path
        assert tmp.name.startswith(".record.json.")
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == file_mode()
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    target = tmp_path / "model.safetensors"
    target.write_text("old")
    with pytest.raises(error), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise error
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_hidden_stem_keeps_temporaries_within_a_file_name():
    """An input of 235 characters made `.<name>_sdap.tif.parts.zarr` too long for the file
    system: the whole batch stopped with an unexpected error."""
    from napari_sdap.paths import NAME_MAX, hidden_stem

    assert hidden_stem("a_sdap.tif") == "a_sdap.tif"
    long = "ü" * 120 + "_sdap.tif"  # 249 bytes
    stem = hidden_stem(long)
    assert stem != long and stem == hidden_stem(long)  # the same each time: found again
    assert len(f".{stem}.partial-1234abcd.zarr".encode()) <= NAME_MAX
    assert hidden_stem(long[:-1] + "x") != stem
