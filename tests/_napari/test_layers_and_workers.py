"""Axes from layers and the worker generators, without a viewer."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from napari.layers import Image

from napari_sdap._napari.layers import layer_axes
from napari_sdap._napari.workers import TrainJob, denoise_steps, train_steps
from napari_sdap.errors import AxesError


@pytest.mark.parametrize(("shape", "kwargs", "axes"), [
    ((8, 9), {}, "YX"),
    ((3, 8, 9), {}, "ZYX"),
    ((2, 3, 8, 9), {}, "TZYX"),
    ((8, 9, 3), {"rgb": True}, "YXC"),
    ((4, 8, 9, 3), {"rgb": True}, "ZYXC"),
    ((3, 8, 9), {"axis_labels": ("t", "y", "x")}, "TYX"),
    ((2, 8, 9), {"axis_labels": ("c", "y", "x")}, "CYX"),
    ((3, 8, 9), {"axis_labels": ("y", "x", "z")}, "YXZ"),
    ((3, 8, 9), {"axis_labels": ("foo", "y", "x")}, "ZYX"),  # unknown label: guessed
])
def test_layer_axes(shape, kwargs, axes):
    assert layer_axes(Image(np.zeros(shape, np.uint8), **kwargs)) == axes


def test_layer_axes_refuses_too_many_unnamed_dims():
    with pytest.raises(AxesError, match="type its axes"):
        layer_axes(Image(np.zeros((2, 2, 2, 2, 8, 9), np.uint8)))


def test_train_steps_stops_on_the_event_and_closes_the_engine(small_image):
    job = TrainJob(small_image, "YX", steps=1000, preset="tiny", stride=2, device="cpu",
                   overrides={"width": 8, "blocks": 1, "batch_size": 2, "patch_size": 30})
    records = []
    for rec in train_steps(job):
        records.append(rec)
        if len(records) == 3:
            job.stop.set()
    model = records[-1].model
    assert model.record.steps == 3 and model.record.seconds > 0
    assert model.config.training.patch_size == 30


def test_denoise_steps_returns_stopped(trained_model, small_image):
    out = np.zeros((4, 64, 64), np.float32)
    stop = threading.Event()
    steps = trained_model.iter_denoise(np.stack([small_image] * 4), out, "ZYX", device="cpu")
    gen = denoise_steps(steps, stop=stop)
    next(gen)
    stop.set()
    with pytest.raises(StopIteration) as end:
        next(gen)
    assert end.value.value == "stopped"
    assert out[0].any() and not out[-1].any()


def test_a_failing_preview_never_stops_training(small_image, caplog):
    from napari_sdap._napari.workers import Preview, PreviewTarget

    job = TrainJob(small_image, "YX", steps=3, preset="tiny", stride=2, device="cpu",
                   overrides={"width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32},
                   preview=PreviewTarget((slice(0, 4), slice(0, 4)), "YX", None, "YX"),
                   preview_every_s=0.0)  # 4 x 4 is too small for the sdap_e mode
    records = list(train_steps(job))
    assert records[-1].model.record.steps == 3
    assert not any(isinstance(r, Preview) for r in records)
    assert job.preview is None and "preview skipped" in caplog.text
