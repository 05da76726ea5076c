"""`denoise --compile` on a CPU did nothing without a word (torch.compile is used on CUDA
only); the command says so once, and denoises as without it."""

from __future__ import annotations

import numpy as np
import tifffile

import napari_sdap
from napari_sdap.cli import main


def test_compile_on_a_cpu_is_named_once(tmp_path, capsys):
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=2, width=8, blocks=1,
                              batch_size=2, patch_size=24, student=False, device="cpu")
    model.save(tmp_path / "m.safetensors")
    code = main(["denoise", str(tmp_path / "a.tif"), "--model", str(tmp_path / "m.safetensors"),
                 "-o", str(tmp_path / "out"), "--device", "cpu", "--compile"])
    err = capsys.readouterr().err
    assert code == 0
    lines = [line for line in err.splitlines() if "--compile" in line]
    assert len(lines) == 1 and "CUDA devices only" in lines[0] and "does nothing" in lines[0]
    assert (tmp_path / "out" / "a_sdap.tif").exists()
