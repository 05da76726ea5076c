"""The plan of a batch looked for each input's leftovers (a killed run's hidden temporaries) by
listing the whole output folder twice per input: a rerun of N files into a folder of N outputs
cost N² (20 ms a file at 20 000 outputs). The folder is listed once; leftovers are still
removed, a set-aside output put back, and other hidden files left alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401

from napari_sdap.cli import main


def test_a_rerun_plans_without_listing_the_folder_per_file(tmp_path: Path, model_file: Path,
                                                         monkeypatch) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        tifffile.imwrite(raw / f"f{i:02d}.tif", rng.normal(0.5, 0.1, (24, 24)).astype("f4"))
    argv = ["denoise", str(raw), "--model", str(model_file), "--output", str(out), "-q",
            "--device", "cpu"]
    assert main(argv) == 0
    (out / "f03_sdap.tif").unlink()  # a killed --overwrite run: its output set aside ...
    (out / ".f03_sdap.tif.old-1a2b3c4d").write_bytes(b"old output")
    (out / ".f05_sdap.tif.partial-9f8e7d6c.zarr").mkdir()  # ... and another's temporary
    (out / ".f05_sdap.tif.notes").write_text("mine")  # a user's hidden file

    calls = {"glob": 0}
    glob = Path.glob

    def counting(self, pattern, *args, **kwargs):
        calls["glob"] += 1
        return glob(self, pattern, *args, **kwargs)

    monkeypatch.setattr(Path, "glob", counting)
    assert main(argv) == 0
    assert calls["glob"] <= 2  # was 2 per input more (25)
    assert (out / "f03_sdap.tif").read_bytes() == b"old output"  # put back, so kept
    assert not (out / ".f03_sdap.tif.old-1a2b3c4d").exists()
    assert not (out / ".f05_sdap.tif.partial-9f8e7d6c.zarr").exists()
    assert (out / ".f05_sdap.tif.notes").read_text() == "mine"
