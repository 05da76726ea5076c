"""A napari-sdap result denoised again (a chain: yesterday's output through today's model): the
new output's record named its input file but nothing of how that input was made (its record's
`input.metadata` held the TIFF's format only), so the result read as one denoising of a raw
image once the first output was moved or deleted. The input's own record is summarised under
`input.napari_sdap` (when, the mode, the model file and its sha256, its input, and so on up a
longer chain); other inputs get no such field."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.api.provenance import output_records

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 2, "stride": 1, "student": False, "device": "cpu"}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    model = napari_sdap.train(noisy_sine(), "YX", **TINY)
    model.save(tmp_path_factory.mktemp("m") / "m.safetensors")
    return model


def _record(path):
    return next(output_records(path))


@pytest.mark.parametrize("ending", [".tif", ".zarr"])
def test_a_result_denoised_again_names_what_made_its_input(model, tmp_path, ending):
    raw = tmp_path / "raw.tif"
    tifffile.imwrite(raw, noisy_sine(seed=2))
    first, second, third = (tmp_path / f"{name}{ending}" for name in ("1", "2", "3"))
    for source, out in ((raw, first), (first, second), (second, third)):
        model.denoise(str(source), output=out)
    one, two = _record(first), _record(second)
    assert "napari_sdap" not in one["input"]  # (a raw image)
    made = two["input"]["napari_sdap"]
    assert made["model"] == {"file": "m.safetensors", "sha256": one["model"]["sha256"]}
    assert (made["created"], made["mode"]) == (one["created"], one["mode"])
    assert made["input"]["path"] == str(raw)
    chain = _record(third)["input"]["napari_sdap"]
    assert chain["input"]["path"] == str(first)
    assert chain["input"]["napari_sdap"]["input"]["path"] == str(raw)


def test_an_array_input_gets_no_such_field(model, tmp_path):
    out = tmp_path / "o.tif"
    model.denoise(np.asarray(noisy_sine(seed=3)), output=out)
    assert "napari_sdap" not in _record(out)["input"]
