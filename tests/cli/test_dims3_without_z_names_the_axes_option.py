"""`napari-sdap train stack.tif --dims 3` on a plain multi-page TIFF (no ImageJ or OME header, as
the flowdec neuron volume ships: its pages read as samples, `SYX`) was refused with "give axes
with Z, or use --dims 2": the axes named no option of the command. It names `--axes ZYX`."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main


def test_dims_3_on_pages_without_z_names_the_axes_option(tmp_path, capsys):
    stack = np.random.default_rng(0).normal(100, 5, (5, 32, 32)).astype(np.float32)
    path = tmp_path / "volume.tif"
    tifffile.imwrite(path, stack, metadata=None)  # pages only: no axes recorded
    model = tmp_path / "m.safetensors"
    code = main(["train", str(path), "--model", str(model), "--dims", "3", "--preset", "tiny",
                 "--steps", "1", "--device", "cpu"])
    assert code == 2
    err = capsys.readouterr().err
    assert "needs a Z axis" in err, err
    assert "give the image's Z axis with --axes (e.g. --axes ZYX" in err
    assert "give axes with" not in err and "use --dims 2" in err
    assert not model.exists()
