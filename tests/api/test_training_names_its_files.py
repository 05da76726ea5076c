"""A model trained through the API on files records their names in `record.trained_on`, as the
CLI's `train` does: it recorded only axes and shapes ("YX [48, 64]"), so neither the model file,
`info` nor an output's provenance said which files a model trained in a notebook learnt from."""

from __future__ import annotations

import numpy as np
import tifffile

import napari_sdap
from napari_sdap import open_image

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "device": "cpu", "steps": 2, "seed": 1}


def test_files_are_named_arrays_are_not(tmp_path):
    rng = np.random.default_rng(0)
    a, b = (rng.normal(100, 10, (48, 64)).astype(np.float32) for _ in range(2))
    tifffile.imwrite(tmp_path / "day1.tif", a)
    tifffile.imwrite(tmp_path / "day2.tif", b)
    model = napari_sdap.train([str(tmp_path / "day1.tif"), b], "YX", **TINY)
    assert model.record.trained_on == ["day1.tif: YX [48, 64]", "YX [48, 64]"]
    with open_image(tmp_path / "day2.tif") as src:  # an ImageSource names its file too
        model = napari_sdap.train(src, model=model, steps=1, device="cpu")
    assert model.record.trained_on[-1] == "day2.tif: YX [48, 64]"
    path = tmp_path / "m.safetensors"
    model.save(path)
    assert napari_sdap.load_model(path).record.trained_on == model.record.trained_on
    from_arrays = napari_sdap.train([a, b], "YX", **TINY)
    assert from_arrays.record.trained_on == ["YX [48, 64]", "YX [48, 64]"]
