"""An output's provenance says where and how it was computed: the device that ran (not the one
the model was trained on, nor 'auto'), the tile edge the run started with, whether the network
was compiled, and torch's CPU threads (outputs differ in their last digits across these)."""

from __future__ import annotations

import copy

import torch
import zarr
from api_helpers import gray_model_fixture  # noqa: F401 (fixture)


def _record(path):
    return zarr.open_array(str(path), mode="r").attrs["napari_sdap"]["metadata"]


def test_the_device_that_ran_is_recorded_not_the_training_one(tmp_path, noisy_pair,
                                                                gray_model):
    model = copy.deepcopy(gray_model)
    model.config.device = "cuda"  # trained on a GPU, denoised here on the CPU
    model.denoise(noisy_pair[1], "YX", device="cpu", output=tmp_path / "a.zarr", tile=32)
    rec = _record(tmp_path / "a.zarr")
    assert rec["config"]["device"] == "cpu"  # (before: "cuda", where it never ran)
    assert rec["config"]["tiling"]["tile"] == 32  # (before: None, the model's setting)
    assert rec["config"]["tiling"]["compile"] is False
    assert rec["config"]["tiling"]["batch_tiles"] == 1  # a CPU runs one tile at a time
    assert rec["threads"] == torch.get_num_threads()
    assert model.config.device == "cuda" and model.config.tiling.tile is None  # model unchanged


def test_auto_is_recorded_as_the_device_it_chose(tmp_path, noisy_pair, gray_model):
    model = copy.deepcopy(gray_model)
    model.config.device = "auto"
    model.config.tiling.compile = True  # (torch.compile runs on CUDA only)
    model.denoise(noisy_pair[1], "YX", device="auto", output=tmp_path / "b.zarr")
    rec = _record(tmp_path / "b.zarr")
    assert rec["config"]["device"] in ("cpu", "mps") or rec["config"]["device"].startswith("cuda")
    assert isinstance(rec["config"]["tiling"]["tile"], int)  # the automatic edge, not None
    assert rec["config"]["tiling"]["compile"] is (rec["config"]["device"].startswith("cuda"))


def test_the_network_arithmetic_of_the_run_is_recorded(tmp_path, noisy_pair, gray_model,
                                                       monkeypatch):
    """GPUs with bfloat16 denoise under bf16 autocast (`model.device.use_bf16`): the record
    said nothing of it (only the training's `model.precision`)."""
    import napari_sdap.model.device as device

    model = copy.deepcopy(gray_model)
    model.denoise(noisy_pair[1], "YX", device="cpu", output=tmp_path / "c.zarr")
    assert _record(tmp_path / "c.zarr")["precision"] == "float32"  # a CPU: never bf16
    monkeypatch.setattr(device, "use_bf16", lambda dev: True)  # as on a CUDA device with bf16
    model.denoise(noisy_pair[1], "YX", device="cpu", output=tmp_path / "d.zarr")
    assert _record(tmp_path / "d.zarr")["precision"] == "bfloat16"
