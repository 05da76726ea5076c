"""A glob that reaches into zarr stores (`grp.zarr/*/img`, `*.zarr/0`) takes the arrays it
names; a `**` glob over a folder of stores still takes each store once, not its levels too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr
from cli_fixtures import model_file_fixture, smooth_image  # noqa: F401 (fixture)

from napari_sdap.cli import main
from napari_sdap.cli.discover import find_inputs
from napari_sdap.errors import InputError


def _store(path: Path) -> None:
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    rng = np.random.default_rng(0)
    for k, name in enumerate(("a", "b")):
        img = smooth_image((40, 40), seed=k) + rng.normal(0, 0.1, (40, 40))
        group.create_group(name).create_array("img", shape=(40, 40), dtype="float32")[:] = img


def test_a_glob_into_a_store_takes_its_arrays(tmp_path):
    _store(tmp_path / "grp.zarr")
    found = find_inputs([str(tmp_path / "grp.zarr" / "*" / "img")])
    assert found == [tmp_path / "grp.zarr" / "a" / "img", tmp_path / "grp.zarr" / "b" / "img"]
    assert find_inputs([str(tmp_path / "grp.zarr" / "*")]) == [
        tmp_path / "grp.zarr" / "a", tmp_path / "grp.zarr" / "b"]  # groups, as named


def test_chunk_folders_and_recursive_globs(tmp_path):
    _store(tmp_path / "grp.zarr")
    assert (tmp_path / "grp.zarr" / "a" / "img" / "c").is_dir()  # zarr's chunk folder
    with pytest.raises(InputError, match="matches no images"):
        find_inputs([str(tmp_path / "grp.zarr" / "a" / "img" / "*")])
    found = find_inputs([str(tmp_path / "**" / "*")])
    assert found == [tmp_path / "grp.zarr"]  # the store once, none of its arrays


def test_denoise_a_glob_into_a_store(tmp_path, model_file):
    _store(tmp_path / "grp.zarr")
    pattern = str(tmp_path / "grp.zarr" / "*" / "img")
    assert main(["denoise", pattern, "-o", str(tmp_path / "out"), "--model", str(model_file),
                 "--device", "cpu", "--threads", "1"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*_sdap.tif")) == [
        "grp_a_img_sdap.tif", "grp_b_img_sdap.tif"]
