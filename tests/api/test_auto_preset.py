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


def test_paper_needs_enough_pixels_on_a_gpu(on_gpu):
    edge = 512
    assert devices.PAPER_PIXELS == 4 * edge * edge
    assert devices.auto_preset("cuda", _views((edge, edge))) == "fast"
    assert devices.auto_preset("cuda", _views((4, edge, edge), axes="ZYX")) == "paper"
    assert devices.auto_preset("cuda", _views((3, edge, edge), axes="ZYX")) == "fast"
    assert devices.auto_preset("cuda", _views(*[(edge, edge)] * 4)) == "paper"
    assert devices.auto_preset("cuda", _views((1024, 1024))) == "paper"
    rgb = _views((1023, 1024, 3), axes="YXC")  # joint channels: pixels, not values
    assert devices.auto_preset("cuda", rgb) == "fast"


def test_cpu_is_fast_whatever_the_size():
    assert devices.auto_preset("cpu", _views((4, 1024, 1024), axes="ZYX")) == "fast"


def test_train_hands_its_images_to_the_choice(monkeypatch):
    seen = []
    real = devices.auto_preset

    def spy(device, views):
        seen.append(sum(v.n_planes * v.height * v.width for v in views))
        return real(device, views)

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
