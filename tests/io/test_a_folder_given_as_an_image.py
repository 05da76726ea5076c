"""A folder given where one image is read (`export --sample DIR`, `open_image(DIR)`,
`model.denoise("DIR")`) was told "DIR: unsupported file type", as if it were a file of an odd
kind; it is told that it is a folder and what to give."""

from __future__ import annotations

import pytest

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image


def test_a_folder_is_named_a_folder(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    with pytest.raises(InputError, match=r"images is a folder, not an image: give one image "
                                         r"file in it .* or a \.zarr / \.ome\.zarr store"):
        open_image(folder)


def test_a_file_of_another_kind_is_still_named_so(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x")
    with pytest.raises(InputError, match=r"notes\.txt: unsupported file type"):
        open_image(path)
