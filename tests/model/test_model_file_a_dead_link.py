"""A model file path that is a symbolic link to nothing (a moved or unmounted file) was said
not to exist, without naming where the link points."""

from __future__ import annotations

import os

import pytest

from napari_sdap.api import load_model
from napari_sdap.errors import ModelFileError


def test_a_dead_link_names_its_target(tmp_path):
    path = tmp_path / "m.safetensors"
    os.symlink(tmp_path / "moved" / "m.safetensors", path)
    with pytest.raises(ModelFileError, match=r"m\.safetensors does not exist \(a link to "
                                             r".*moved/m\.safetensors, which does not exist"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"nope\.safetensors does not exist; check"):
        load_model(tmp_path / "nope.safetensors")
