"""A piece of a split file that fails names the plane of the file, not of the piece.

Regression: with `--workers 2 --split-mpix 0.005`, a NaN in plane 5 of an 8-plane stack was
reported as "plane 0 of the image near y=0, x=0 contains 1 NaN" (plane 0 of the one-plane
piece that held it); one process said "plane 5". A TZYX stack split along Z names its plane
counted over T and Z, as the whole file's run does.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli.jobs import FileTask, denoise_file
from napari_sdap.cli.pieces import create_scratch, denoise_range
from napari_sdap.errors import InputError


def _task(path, model_file, axes, output):
    sha = hashlib.sha256(model_file.read_bytes()).hexdigest()
    return FileTask(input=str(path), model_path=str(model_file), model_sha256=sha, axes=axes,
                    device="cpu", tile=16, output=str(output))


@pytest.mark.parametrize(("shape", "axes", "at", "axis", "piece"),
                         [((8, 24, 24), "ZYX", (5,), 0, (5, 6)),
                          ((2, 4, 24, 24), "TZYX", (1, 2), 1, (2, 4))])
def test_nan_in_a_piece_names_the_file_plane(model_file, tmp_path, shape, axes, at, axis,
                                             piece):
    img = np.random.default_rng(0).random(shape, dtype=np.float32)
    img[(*at, 7, 9)] = np.nan
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, img, metadata={"axes": axes})
    plane = int(np.ravel_multi_index(at, shape[:-2]))
    with pytest.raises(InputError, match=rf"plane {plane} of the image") as whole:
        denoise_file(_task(path, model_file, axes, tmp_path / "whole.tif"))
    scratch = create_scratch(str(tmp_path / "split.tif"), shape, axes, axis)
    with pytest.raises(InputError) as split:
        denoise_range(_task(path, model_file, axes, tmp_path / "split.tif"), axis, *piece,
                      scratch)
    assert str(split.value) == str(whole.value)
