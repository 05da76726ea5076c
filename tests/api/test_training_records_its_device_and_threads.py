"""Each training call records the device it trained on (resolved: the config keeps `auto`) and
torch's CPU threads: the same seed and data give the same model only on the same device with
the same number of threads (README), and neither was recorded anywhere."""

from __future__ import annotations

import numpy as np
import torch

import napari_sdap

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "student": False, "steps": 2, "seed": 1}


def test_each_call_records_its_device_and_threads():
    image = np.random.default_rng(0).normal(100, 10, (64, 64)).astype(np.float32)
    model = napari_sdap.train(image, "YX", device="auto", **TINY)
    run = model.record.runs[0]
    assert model.config.device == "auto"  # (what was asked)
    assert run.device in ("cpu", "mps") or run.device.startswith("cuda")  # where it ran
    assert run.threads == torch.get_num_threads()
