"""A `**` glob into a zarr store takes each image once: an OME-Zarr image, not also each of
its pyramid levels (the same picture denoised two or three times); a plain group gives way to
the arrays found inside it (not also a group of one array, which reads as that array)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr

from napari_sdap.cli.discover import find_inputs


def _ome(path: Path) -> None:
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    axes = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    group.attrs["ome"] = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": [
        {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": [2**k] * 2}]}
        for k in range(2)]}]}
    img = np.random.default_rng(0).normal(100, 10, (32, 32)).astype("float32")
    group.create_array("0", shape=(32, 32), dtype="float32")[:] = img
    group.create_array("1", shape=(16, 16), dtype="float32")[:] = img[::2, ::2]


def _plain(path: Path, zarr_format: int) -> None:
    group = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    for name in ("a", "b"):
        group.create_array(name, shape=(8, 8), dtype="float32")[:] = 1
    group.create_group("sub").create_array("c", shape=(8, 8), dtype="float32")[:] = 1


def test_an_ome_zarr_image_is_taken_once_not_with_its_levels(tmp_path):
    """Regression: 'img.ome.zarr/**' took the image and its levels 0 and 1 (three outputs)."""
    _ome(tmp_path / "img.ome.zarr")
    assert find_inputs([str(tmp_path / "img.ome.zarr" / "**")]) == [tmp_path / "img.ome.zarr"]
    assert find_inputs([str(tmp_path / "*.ome.zarr" / "0")]) == [
        tmp_path / "img.ome.zarr" / "0"]  # a level named: that level


def test_a_plain_group_gives_way_to_its_arrays(tmp_path):
    """Regression: 'grp.zarr/**' took 'sub' (a group of one array) and 'sub/c' (the same
    picture twice), and the store itself, which fails as a group of several arrays."""
    for fmt in (2, 3):
        store = tmp_path / f"grp{fmt}.zarr"
        _plain(store, fmt)
        assert find_inputs([str(store / "**")]) == [store / "a", store / "b", store / "sub" / "c"]
        assert find_inputs([str(store / "*")]) == [store / "a", store / "b", store / "sub"]
