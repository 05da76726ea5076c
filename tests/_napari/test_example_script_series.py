"""examples/napari_script.py takes `--series N` for an `--image` file of several image series.

The script's refusal of such a file told the user to choose one with `--series N`, an option the
script did not have ("unrecognized arguments: --series"), so the file could not be used.
No viewer is needed: the file is read (or refused) before napari is imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_sdap.errors import SdapError

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "napari_script.py"


def _module():
    spec = importlib.util.spec_from_file_location("napari_script_series", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _two_series(path: Path) -> None:
    rng = np.random.default_rng(0)
    with tifffile.TiffWriter(path, ome=True) as w:
        w.write(rng.poisson(50, (32, 32)).astype("uint16"))
        w.write(rng.poisson(50, (24, 40)).astype("uint16"))


def test_a_series_is_chosen(tmp_path):
    path = tmp_path / "two.ome.tif"
    _two_series(path)
    module = _module()
    with pytest.raises(SdapError, match="--series N"):
        module.load_data(str(path), None, 8, 64)
    data, axes, meta = module.load_data(str(path), None, 8, 64, series=1)
    assert data.shape == (24, 40) and axes == "YX" and meta["name"] == "two.ome.tif"


def test_the_option_is_known(tmp_path, capsys):
    module = _module()
    with pytest.raises(SystemExit) as end:  # a missing file: refused after parsing
        module.main(["--headless", "--image", str(tmp_path / "none.tif"), "--series", "1"])
    assert end.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" not in err and "no such file" in err
