"""examples/napari_script.py runs headless from start to end."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "napari_script.py"


def test_example_script_headless(qtbot, monkeypatch):
    spec = importlib.util.spec_from_file_location("napari_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("NAPARI_SDAP_HEADLESS", "1")
    viewer = module.main(["--steps", "2", "--device", "cpu", "--planes", "2", "--size", "64",
                          "--keep-open"])
    try:
        names = [layer.name for layer in viewer.layers]
        assert names == ["noisy stack", "noisy stack [SDAP]"]
        src, out = viewer.layers
        assert out.data.shape == src.data.shape == (2, 64, 64)
        np.testing.assert_allclose(out.scale, src.scale)
        assert out.metadata["sdap"]["steps"] == 2
    finally:
        viewer.close()
