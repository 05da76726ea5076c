"""`--output` that is a link to a folder that does not exist (a moved data disk, an unmounted
share) or a loop of links: the run said "cannot create the output folder OUT (File exists)",
of a path where nothing seems to exist; it names the link's target."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main


@pytest.mark.parametrize("target", ["gone", "loop"])
def test_output_link_to_nothing(tmp_path, capsys, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("a.tif", np.zeros((16, 16), np.float32))
    (tmp_path / "m.safetensors").write_bytes(b"not needed: refused before the model is read")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "out").symlink_to(target)
    code = main(["denoise", "a.tif", "--model", "m.safetensors", "-o", "out", "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"--output out is a link to {target}, which does not exist" in err
    assert "File exists" not in err
    assert not (tmp_path / "gone").exists()
