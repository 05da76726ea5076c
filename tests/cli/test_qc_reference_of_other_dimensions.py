"""`napari-sdap denoise --qc --reference` with one clean plane for a stack of frames: the check
failed with "axes 'ZYX' has 3 letters but the image has 2 dimensions ...; give one letter per
dimension", an option the command does not have for its reference; it names the two shapes
(`tests/api/test_quality_reference_of_other_dimensions.py`). The output itself is kept."""

from __future__ import annotations

import json

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401 (fixture)

from napari_sdap.cli import main


def test_cli_qc_with_a_plane_as_the_reference_of_a_stack(model_file, tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_stack(raw / "a.tif", seed=0, planes=2, size=48)
    ref = tmp_path / "clean.tif"
    tifffile.imwrite(ref, np.zeros((48, 48), np.float32) + 0.5)
    out = tmp_path / "out"
    code = main(["denoise", str(raw), "--model", str(model_file), "--output", str(out),
                 "--device", "cpu", "--qc", "--reference", str(ref)])
    assert code == 1
    err = capsys.readouterr().err
    assert "the reference image has shape (48, 48), the noisy one (2, 48, 48)" in err, err
    assert "letter" not in err
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["a_sdap.tif"]
    assert (out / "a_sdap.tif").exists() and entry["status"] == "done"
