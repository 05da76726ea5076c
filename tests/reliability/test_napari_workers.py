"""napari: a failure in a run, a closed panel or a second run never leaves a run stuck, hidden or
sharing a network; every failure reaches the user and the panels stay usable."""

from __future__ import annotations

import threading

import pytest

import napari_sdap
from napari_sdap._napari.session import session_for
from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget
from napari_sdap.io import outputs as outputs_module
from napari_sdap.model import network, student

from .helpers import TINY, noisy


@pytest.fixture
def notes():
    """Messages of the notifications napari got during the test, by severity name."""
    from napari.utils.notifications import notification_manager

    start = len(notification_manager.records)
    return lambda level="error": [str(n.message) for n in notification_manager.records[start:]
                                  if str(n.severity.name).lower() == level]


def _trainer(viewer, steps):
    widget = TrainWidget(viewer)
    s = widget.settings
    s.preset.setCurrentText("tiny")
    for box, value in ((s.steps, steps), (s.width_, TINY["width"]), (s.blocks, TINY["blocks"]),
                       (s.batch, TINY["batch_size"]), (s.patch, TINY["patch_size"])):
        box.setValue(value)
    s.device.setCurrentText("cpu")
    return widget


def _denoiser(viewer, model):
    widget = DenoiseWidget(viewer)
    widget.session.set_model(model, "test")
    widget.device.setCurrentText("cpu")
    return widget


def _idle(qtbot, widget, timeout=60_000):
    qtbot.waitUntil(lambda: widget.worker is None, timeout=timeout)


# ------------------------------------------------------------------ failures in workers

FAILURES = {  # what the network's forward raises -> words the user is shown
    "RuntimeError": (lambda: RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"),
                     "ran out of memory"),
    "OutOfMemoryError": (lambda: __import__("torch").OutOfMemoryError("CUDA out of memory"),
                         "ran out of memory"),
    "ValueError": (lambda: ValueError("bad value in forward"), "ValueError: bad value"),
}


def _shown(notes, raised):
    """Error notifications: napari's worker re-raises errors in the main thread, where napari's
    exception hook shows them (under pytest-qt they are captured instead)."""
    return notes() + [str(e[1]) for e in raised]


@pytest.fixture
def failing_forward(monkeypatch):
    """Make every forward pass of the networks (teacher and student) raise `fail["error"]()`
    while it is set."""
    fail: dict = {"error": None}  # a function that makes the exception
    for cls in (network.BlindSpotNet, student.StudentNet):

        def patched(self, x, forward=cls.forward):
            if fail["error"] is not None:
                raise fail["error"]()
            return forward(self, x)

        monkeypatch.setattr(cls, "forward", patched)
    return fail


@pytest.mark.parametrize("kind", list(FAILURES))
def test_training_failure_is_reported_and_the_panel_stays_usable(
        kind, make_napari_viewer, qtbot, cache, failing_forward, notes):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((64, 64)), name="cells")
    train = _trainer(viewer, steps=3)
    failing_forward["error"], words = FAILURES[kind]
    with qtbot.capture_exceptions() as raised:
        train.start()
        _idle(qtbot, train)
    assert train.outcome == "error"
    assert words in train.status.text() and "training" in train.status.text()
    assert any(words in m for m in _shown(notes, raised))
    assert train.train_btn.isEnabled() and not train.stop_btn.isEnabled()
    assert not train.session.training
    failing_forward["error"] = None
    train.start()
    _idle(qtbot, train)
    assert train.outcome == "done", train.status.text()


@pytest.mark.parametrize("kind", list(FAILURES))
def test_denoising_failure_is_reported_and_leaves_nothing(
        kind, make_napari_viewer, qtbot, gray_model, cache, failing_forward, notes):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((48, 48)), name="img")
    widget = _denoiser(viewer, gray_model)
    failing_forward["error"], words = FAILURES[kind]
    with qtbot.capture_exceptions() as raised:
        widget.start()
        _idle(qtbot, widget)
    assert widget.outcome == "error"
    assert words in widget.status.text() and "denoising" in widget.status.text()
    assert any(words in m for m in _shown(notes, raised))
    assert widget.run_btn.isEnabled() and not widget.stop_btn.isEnabled()
    assert not widget.session.denoising
    assert "img [SDAP]" not in viewer.layers
    assert not cache.exists() or list(cache.iterdir()) == []
    failing_forward["error"] = None
    widget.start()
    _idle(qtbot, widget)
    assert widget.outcome == "done", widget.status.text()


def test_failing_preview_is_a_warning_and_training_goes_on(make_napari_viewer, qtbot, cache,
                                                           monkeypatch, notes):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((64, 64)), name="cells")
    train = _trainer(viewer, steps=3)

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory (preview)")

    monkeypatch.setattr(napari_sdap.SDAPModel, "denoise", out_of_memory)
    train.start()
    _idle(qtbot, train)
    assert train.outcome == "done", train.status.text()
    assert any("preview" in m and "out of memory" in m for m in notes("warning"))


def test_failing_commit_is_reported_and_leaves_nothing(make_napari_viewer, qtbot, gray_model,
                                                      cache, monkeypatch, notes):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((32, 32)), name="img")

    def broken(self):
        raise ValueError("zarr could not finish the store")

    monkeypatch.setattr(outputs_module.OutputSink, "commit", broken)
    widget = _denoiser(viewer, gray_model)
    with qtbot.capture_exceptions() as raised:
        widget.start()
        _idle(qtbot, widget)
    assert widget.outcome == "error"
    assert any("zarr could not finish the store" in m for m in _shown(notes, raised))
    assert "img [SDAP]" not in viewer.layers and widget.run_btn.isEnabled()


# ------------------------------------------------------------------ closed panels, shared models


def _sdap_threads(before):
    return [t for t in threading.enumerate() if t.name.startswith("sdap-") and t.is_alive()
            and t not in before]


def test_closing_the_train_panel_stops_its_training(make_napari_viewer, qtbot, cache):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((64, 64)), name="cells")
    before = set(threading.enumerate())
    train = _trainer(viewer, steps=5000)
    dock = viewer.window.add_dock_widget(train, name="SDAP train")
    session = train.session
    train.start()
    qtbot.waitUntil(lambda: train.progress.value() >= 2, timeout=60_000)
    dock.title.close_button.click()  # the panel's x: napari takes the panel out of its dock
    qtbot.waitUntil(lambda: not session.training, timeout=60_000)
    model = session.model
    assert 2 <= model.record.steps < 5000
    qtbot.waitUntil(lambda: not _sdap_threads(before), timeout=10_000)
    reopened = _trainer(viewer, steps=2)  # the menu makes a new panel
    reopened.start(resume=True)
    _idle(qtbot, reopened)
    assert reopened.outcome == "done", reopened.status.text()
    assert session.model is model and model.record.steps >= 4


def test_closing_the_denoise_panel_stops_it_and_leaves_nothing(make_napari_viewer, qtbot,
                                                               gray_model, cache):
    import dask.array as da

    viewer = make_napari_viewer()
    stack = noisy((40, 32, 32))

    def slow(block):
        threading.Event().wait(0.05)
        return block

    viewer.add_image(da.from_array(stack, chunks=(1, 32, 32)).map_blocks(slow), name="stack")
    widget = _denoiser(viewer, gray_model)
    dock = viewer.window.add_dock_widget(widget, name="SDAP denoise")
    widget.start()
    qtbot.waitUntil(lambda: widget.progress.value() >= 1, timeout=30_000)
    dock.title.close_button.click()
    qtbot.waitUntil(lambda: not widget.session.denoising, timeout=60_000)
    assert widget.outcome == "stopped"
    assert "stack [SDAP]" not in viewer.layers
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_second_training_never_shares_the_running_model(make_napari_viewer, qtbot, cache,
                                                          notes):
    viewer = make_napari_viewer()
    viewer.add_image(noisy((64, 64)), name="cells")
    first = _trainer(viewer, steps=5000)
    first.start()
    qtbot.waitUntil(lambda: first.progress.value() >= 2, timeout=60_000)
    model = first.session.model
    second = _trainer(viewer, steps=2)  # e.g. the panel closed and opened again
    for resume in (True, False):
        second.start(resume=resume)
        assert second.worker is None and not second.stop_btn.isEnabled()
    assert sum("training is already running" in m for m in notes()) == 2
    other = make_napari_viewer()  # the same model object in another viewer
    other.add_image(noisy((64, 64)), name="more")
    session_for(other).set_model(model, "shared")
    elsewhere = _trainer(other, steps=2)
    elsewhere.start(resume=True)
    denoise = DenoiseWidget(other)
    denoise.start()
    assert elsewhere.worker is None and denoise.worker is None
    assert sum("model is in use (training)" in m for m in notes()) == 2
    assert first.worker is not None and first.session.model is model
    first.stop()
    _idle(qtbot, first)
    steps = model.record.steps
    second.start(resume=True)
    _idle(qtbot, second)
    assert second.outcome == "done" and model.record.steps == steps + 2
