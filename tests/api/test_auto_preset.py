"""preset="auto": `fast` on a CPU; on a GPU `paper` only for at least PAPER_PIXELS of data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import napari_sdap.api.devices as devices
from napari_sdap import train
from napari_sdap.axes import plane_view

GPU = torch.device("cuda")


def _views(*shapes, axes="YX"):
    return [plane_view(s, axes) for s in shapes]


@pytest.fixture
def on_gpu(monkeypatch):
    monkeypatch.setattr(devices, "resolve_device", lambda device: GPU)


def _auto(*shapes, axes="YX"):
    return devices.auto_preset("auto", devices.training_pixels(_views(*shapes, axes=axes)))


def test_paper_needs_enough_pixels_on_a_gpu(on_gpu):
    edge = 512
    assert devices.PAPER_PIXELS == 4 * edge * edge
    assert _auto((edge, edge)) == "fast"
    assert _auto((4, edge, edge), axes="ZYX") == "paper"
    assert _auto((3, edge, edge), axes="ZYX") == "fast"
    assert _auto(*[(edge, edge)] * 4) == "paper"
    assert _auto((1024, 1024)) == "paper"
    assert _auto((1023, 1024, 3), axes="YXC") == "fast"  # joint channels: pixels, not values


def test_a_named_device_is_not_resolved():
    assert devices.auto_preset("cuda:1", 1 << 20) == "paper"  # no GPU needed to say so
    assert devices.auto_preset("mps", 1000) == "fast"
    assert devices.auto_preset("cuda", None) == "paper"  # size not known yet
    assert devices.auto_preset("cpu", None) == "fast"


def test_cpu_is_fast_whatever_the_size():
    assert devices.auto_preset("cpu", devices.training_pixels(
        _views((4, 1024, 1024), axes="ZYX"))) == "fast"


def test_train_hands_its_images_to_the_choice(monkeypatch):
    seen = []
    real = devices.auto_preset

    def spy(device, pixels):
        seen.append(pixels)
        return real(device, pixels)

    monkeypatch.setattr(devices, "auto_preset", spy)
    img = np.random.default_rng(0).random((2, 40, 48)).astype(np.float32)
    model = train(img, "ZYX", steps=2, student=False, device="cpu", width=8, blocks=1,
                  patch_size=16, batch_size=2)
    assert seen == [2 * 40 * 48] and model.config.network.width == 8


def test_paper_asked_for_on_little_data_is_warned_about(caplog):
    with caplog.at_level("WARNING", logger="napari_sdap.api.devices"):
        assert devices.pick_preset("paper", "cpu", _views((512, 512))) == "paper"
    assert "over-trained" in caplog.text and "262144" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="napari_sdap.api.devices"):
        assert devices.pick_preset("paper", "cpu", _views((1024, 1024))) == "paper"
        assert devices.pick_preset("fast", "cpu", _views((64, 64))) == "fast"
        assert devices.pick_preset("auto", "cpu", _views((64, 64))) == "fast"
    assert not caplog.text
