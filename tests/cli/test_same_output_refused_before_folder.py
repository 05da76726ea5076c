"""Two inputs that would write one output (`raw/a.tif` and `other/a.tif`, or `a.tif` and
`a.npy`) are refused up front, but the output folder and an empty `sdap_run.json` were made
first; a new output folder is no longer made for a run refused so."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main


def test_same_output_refused_before_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("raw", "other"):
        (tmp_path / folder).mkdir()
        tifffile.imwrite(f"{folder}/a.tif", np.zeros((16, 16), np.float32))
    (tmp_path / "m.safetensors").write_bytes(b"not read: refused before")
    code = main(["denoise", "raw", "other", "--model", "m.safetensors", "-o", "out",
                 "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "would both be written" in err
    assert not (tmp_path / "out").exists()
