"""Fixtures for the napari widget tests (run headless: xvfb-run or QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from extras import needs

needs("napari", "napari")


@pytest.fixture
def small_image():
    """64 x 64 noisy float32 image (white Gaussian noise)."""
    yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    clean = np.exp(-((yy - 30) ** 2 + (xx - 34) ** 2) / 200) + 0.3 * (xx > 32)
    rng = np.random.default_rng(5)
    return (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    """Denoised layers go to a temporary cache folder, never to the user's cache."""
    from napari_sdap._napari import store

    folder = tmp_path / "cache" / "outputs"
    monkeypatch.setattr(store, "default_folder", lambda: folder)
    return folder


@pytest.fixture
def tiny(qtbot):
    """Settings for a tiny, fast training run on a Train widget."""

    def apply(widget, steps=6):
        s = widget.settings
        s.preset.setCurrentText("tiny")
        s.steps.setValue(steps)
        s.width_.setValue(8)
        s.blocks.setValue(1)
        s.batch.setValue(2)
        s.patch.setValue(32)
        s.device.setCurrentText("cpu")
        return widget

    return apply


@pytest.fixture
def wait_idle(qtbot):
    """Wait until a widget's worker finished (and its finished handler ran)."""

    def wait(widget, timeout=60_000):
        qtbot.waitUntil(lambda: widget.worker is None, timeout=timeout)

    return wait


@pytest.fixture
def trained_model(small_image):
    """A tiny model trained for two steps on `small_image` (through the public API)."""
    import napari_sdap

    return napari_sdap.train(small_image, "YX", preset="tiny", steps=2, stride=2, width=8, blocks=1,
                             batch_size=2, patch_size=32, device="cpu")


@pytest.fixture
def errors():
    """Messages of the error notifications napari received during the test."""
    from napari.utils.notifications import NotificationSeverity, notification_manager

    start = len(notification_manager.records)

    def messages():
        return [str(n.message) for n in notification_manager.records[start:]
                if n.severity == NotificationSeverity.ERROR]

    return messages


class CountingArray:
    """A numpy array that records how many elements each read takes (to prove laziness)."""

    def __init__(self, data, delay=0.0):
        self.data = data
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.reads: list[int] = []
        self.delay = delay

    def __getitem__(self, index):
        import time

        out = np.asarray(self.data[index])
        self.reads.append(out.size)
        if self.delay:
            time.sleep(self.delay)
        return out


@pytest.fixture
def counting():
    return CountingArray
