"""A file name of 241-255 bytes (a valid name: a long descriptive model name, or about 85
characters of Chinese or Japanese, 3 bytes each in UTF-8) could not be written by any writer
going through `atomic_write` (model files, bioimage.io packages, run records, QC checks): its
hidden temporary `.<name>.<random>.partial` was over the 255-byte limit, and `napari-sdap train`
lost the model it had trained ("File name too long"). The temporary's name is cut."""

from __future__ import annotations

import os

import pytest
import torch

from napari_sdap.model.files import write_model_file
from napari_sdap.paths import NAME_MAX, atomic_write

NAMES = {"ascii": "m" * (NAME_MAX - len(".safetensors")) + ".safetensors",
         "cjk": "模" * ((NAME_MAX - len(".zip")) // 3) + ".zip"}


@pytest.mark.parametrize("kind", list(NAMES))
@pytest.mark.parametrize("suffix", [".partial", ".partial.zip"])
def test_a_name_near_the_limit_is_written(tmp_path, kind, suffix):
    path = tmp_path / NAMES[kind]
    assert NAME_MAX - 3 <= len(os.fsencode(path.name)) <= NAME_MAX
    with atomic_write(path, suffix=suffix, replace=False) as tmp:
        assert len(os.fsencode(tmp.name)) <= NAME_MAX
        tmp.write_bytes(b"done")
    assert path.read_bytes() == b"done" and os.listdir(tmp_path) == [path.name]


def test_a_model_file_of_a_255_byte_name_is_saved(tmp_path):
    path = tmp_path / NAMES["ascii"]
    written = write_model_file(path, {"w": torch.zeros(2)}, {"config": {}})
    assert written == path and path.stat().st_size > 0
