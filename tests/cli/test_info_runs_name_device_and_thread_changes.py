"""`info` lists each training call's changed settings and versions; a change of device or of
torch's threads between calls (on which the last digits of the weights depend) was left out,
though the file keeps both per call."""

from __future__ import annotations

import torch
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.cli import main

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "stride": 1, "student": False, "device": "cpu"}


def test_a_change_of_threads_between_calls_is_listed(tmp_path, capsys):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        model = napari_sdap.train(noisy_sine(), "YX", steps=2, **TINY)
        torch.set_num_threads(2)
        napari_sdap.train(noisy_sine(seed=1), "YX", model=model, steps=1)
    finally:
        torch.set_num_threads(before)
    path = model.save(tmp_path / "m.safetensors")
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    second = next(line for line in lines if line.startswith("2: "))
    assert "threads 1 -> 2" in second and "device" not in second
    first = next(line for line in lines if "1: 2 steps" in line)
    assert "threads" not in first
