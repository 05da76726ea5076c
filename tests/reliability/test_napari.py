"""napari: stopping and failing runs never lose data, never crash, never leave a fake result."""

from __future__ import annotations

import errno
import threading

import dask.array as da
import numpy as np
import pytest

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget
from napari_sdap.io import outputs as outputs_module

from .helpers import digest, noisy


class SlowArray:
    """A numpy array whose reads take a while, so a Stop lands in the middle of a run."""

    def __init__(self, data, delay=0.05):
        self.data, self.delay = data, delay
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim

    def __getitem__(self, index):
        import time

        time.sleep(self.delay)
        return np.asarray(self.data[index])


@pytest.fixture
def notifications():
    from napari.utils.notifications import NotificationSeverity, notification_manager

    start = len(notification_manager.records)
    return lambda: [str(n.message) for n in notification_manager.records[start:]
                    if n.severity == NotificationSeverity.ERROR]


def _sdap_threads(before):
    """Training/reading/writing threads of a stopped run that are still alive."""
    return [t for t in threading.enumerate() if t.name.startswith("sdap-") and t.is_alive()
            and t not in before]


def _idle(qtbot, widget):
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)


def _denoiser(viewer, model):
    widget = DenoiseWidget(viewer)
    widget.session.set_model(model, "test")
    widget.device.setCurrentText("cpu")
    return widget


def test_stop_training_keeps_the_model_and_the_layer(make_napari_viewer, qtbot, cache):
    viewer = make_napari_viewer()
    image = noisy((64, 64))
    layer = viewer.add_image(image.copy(), name="cells")
    before = digest(layer.data)
    before_threads = set(threading.enumerate())
    train = TrainWidget(viewer)
    form = getattr(train, "settings", train)  # the settings moved into a sub-form
    form.preset.setCurrentText("tiny")
    for box, value in ((form.steps, 5000), (form.width_, 8), (form.blocks, 1),
                       (form.batch, 2), (form.patch, 32)):
        box.setValue(value)
    form.device.setCurrentText("cpu")
    train.start()
    qtbot.waitUntil(lambda: train.progress.value() >= 2, timeout=60_000)
    train.stop()
    _idle(qtbot, train)
    assert train.outcome == "stopped"
    qtbot.waitUntil(lambda: not _sdap_threads(before_threads), timeout=10_000)
    model = train.session.model
    assert 2 <= model.record.steps < 5000
    assert np.isfinite(model.denoise(image, device="cpu")).all()
    assert digest(layer.data) == before


def test_stop_denoising_restores_the_previous_result(make_napari_viewer, qtbot, gray_model,
                                                     cache):
    viewer = make_napari_viewer()
    stack = noisy((12, 32, 32))
    layer = viewer.add_image(stack, name="stack")
    widget = _denoiser(viewer, gray_model)
    widget.start()
    _idle(qtbot, widget)
    first = widget.output_path
    done = np.asarray(viewer.layers["stack [SDAP]"].data)
    layer.data = da.from_array(SlowArray(stack), chunks=(1, 32, 32), asarray=False)
    widget.start()
    qtbot.waitUntil(lambda: widget.progress.value() >= 1, timeout=30_000)
    before_threads = set(threading.enumerate())
    widget.stop()
    _idle(qtbot, widget)
    assert widget.outcome == "stopped"
    qtbot.waitUntil(lambda: not _sdap_threads(before_threads), timeout=10_000)
    np.testing.assert_array_equal(np.asarray(viewer.layers["stack [SDAP]"].data), done)
    assert first.exists()
    assert sorted(p.name for p in cache.iterdir()) == [first.name]  # no partial store left


def test_disk_full_at_the_end_of_denoising_is_a_notification(make_napari_viewer, qtbot,
                                                            gray_model, cache, monkeypatch,
                                                            notifications):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((32, 32)), name="img")

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs_module.OutputSink, "commit", full)
    widget = _denoiser(viewer, gray_model)
    with qtbot.capture_exceptions() as raised:  # napari relays worker errors as notifications
        widget.start()
        _idle(qtbot, widget)
    assert widget.outcome == "error"
    assert "img [SDAP]" not in viewer.layers
    shown = [*notifications(), *(str(e[1]) for e in raised)]
    assert any("No space left on device" in m for m in shown)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_nan_layer_is_an_error_message_not_a_crash(make_napari_viewer, qtbot, gray_model,
                                                   cache):
    viewer = make_napari_viewer()
    image = noisy((32, 32))
    image[3, 3] = np.nan
    layer = viewer.add_image(image, name="holes")
    before = digest(layer.data)
    widget = _denoiser(viewer, gray_model)
    widget.start()  # a numpy layer is checked on the spot, before any worker starts
    assert widget.outcome == "error" and widget.worker is None
    assert "NaN or infinite" in widget.status.text() and "nan_to_num" in widget.status.text()
    assert "holes [SDAP]" not in viewer.layers
    assert digest(layer.data) == before
    assert not cache.exists() or list(cache.iterdir()) == []
