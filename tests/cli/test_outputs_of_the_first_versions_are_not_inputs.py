"""Outputs the CLI wrote before the provenance schema (until 30 November 2026: the input's
metadata with `napari_sdap` holding the model's name, sha256 and config, no `schema`) lying
in an input folder were taken for new inputs by a later run writing elsewhere: each was
denoised again (`c0_sdap_sdap.tif`), and `--train` trained on them. They are results, skipped
as the current outputs are; a TIFF with other JSON in its Info is still an input."""

from __future__ import annotations

import json

import numpy as np
import tifffile
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 2, "stride": 1, "student": False, "device": "cpu"}
EARLY = {"format": "tiff", "source": "raw/c0.tif",
         "napari_sdap": {"input": "c0.tif", "model": "sdap_model.safetensors",
                         "model_sha256": "d72dbcd9b77d5555c445198f24f0e156881a95bee2cb9d457"
                                         "138c5828203b1a7",
                         "config": {"seed": 0, "channel_mode": "auto"}, "version": "0.1.0"}}


def _imagej(path, info):
    tifffile.imwrite(path, noisy_sine(seed=4), imagej=True, metadata={"Info": json.dumps(info)})


def test_an_early_output_in_an_input_folder_is_skipped(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    tifffile.imwrite(raw / "c0.tif", noisy_sine(seed=1))
    _imagej(raw / "c0_sdap.tif", EARLY)  # (as the CLI of 30 November wrote it)
    _imagej(raw / "notes.tif", {"napari_sdap": "a note", "config": {}})  # (an input)
    model = napari_sdap.train(noisy_sine(), "YX", **TINY).save(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(model), "-o", str(out)]) == 0
    made = sorted(p.name for p in out.iterdir() if p.suffix == ".tif")
    assert made == ["c0_sdap.tif", "notes_sdap.tif"], capsys.readouterr()
    assert np.array_equal(tifffile.imread(raw / "c0_sdap.tif"), noisy_sine(seed=4))
