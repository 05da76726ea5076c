"""OME-Zarr inputs whose multiscales metadata names no array of the store (edited or damaged
metadata from a stranger) are an `InputError` naming the store, the path and the fix
(regression: raw KeyError '/abs/path', KeyError 'path', zarr's ValueError about '..', TypeError,
or a group taken for the image); the store is never left through the named path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from napari_sdap import open_image
from napari_sdap.errors import InputError

AXES = [{"name": a, "type": "space"} for a in "zyx"]


def _store(path: Path, multiscales) -> Path:
    import zarr

    group = zarr.open_group(str(path), mode="w", zarr_format=2)
    level = group.create_array("0", shape=(3, 32, 32), chunks=(3, 32, 32), dtype="f4")
    level[:] = np.full((3, 32, 32), 0.5, "f4")
    group.create_group("sub")
    group.attrs["multiscales"] = multiscales
    return path


def _with(datasets):
    return [{"version": "0.4", "axes": AXES, "datasets": datasets}]


CASES = {
    "parent-path": (_with([{"path": "../other.ome.zarr/0"}]), r"path '\.\./other\.ome\.zarr/0'"),
    "absolute-path": (_with([{"path": "/elsewhere/img.ome.zarr/0"}]), r"path '/elsewhere/img"),
    "absent-path": (_with([{"path": "7"}]), r"path '7'"),
    "no-path": (_with([{}]), r"path None; KeyError"),
    "no-datasets": (_with([]), r"path None; IndexError"),
    "a-group": (_with([{"path": "sub"}]), r"path 'sub'; it is a group, not an array"),
    "number-path": (_with([{"path": 0}]), r"path 0; TypeError"),
    "not-an-object": ([5], r"path None; TypeError"),
}


@pytest.mark.parametrize("name", CASES)
def test_multiscales_naming_no_array_is_an_input_error(tmp_path, name):
    multiscales, detail = CASES[name]
    path = _store(tmp_path / "img.ome.zarr", multiscales)
    with pytest.raises(InputError, match=r"img\.ome\.zarr: its OME-Zarr metadata \(multiscales "
                                         r"datasets\) names no readable first level \(" + detail):
        open_image(path)


def test_cli_names_the_damaged_metadata(tmp_path, capsys):
    from napari_sdap.cli import main

    path = _store(tmp_path / "img.ome.zarr", _with([{"path": "/elsewhere/img.ome.zarr/0"}]))
    import napari_sdap

    img = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    model = tmp_path / "m.safetensors"
    napari_sdap.train(img, axes="YX", preset="tiny", steps=2, width=8, blocks=1, student=False,
                      device="cpu").save(model)
    code = main(["denoise", str(path), "--model", str(model), "--output", str(tmp_path / "out"),
                 "--device", "cpu", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "names no readable first level" in err and "KeyError: '/elsewhere" in err
    assert not list((tmp_path / "out").glob("*_sdap*"))


def test_a_good_store_still_opens(tmp_path):
    path = _store(tmp_path / "img.ome.zarr", _with([{"path": "0"}]))
    source = open_image(path)
    assert source.shape == (3, 32, 32)
