"""Helpers of the panel tests: a Denoise panel on the CPU with a model, and a slow lazy stack."""

from __future__ import annotations

import time

import dask.array as da
import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget


def denoiser(viewer, model):
    """A Denoise panel of `viewer` on the CPU, with `model` as the current model."""
    denoise = DenoiseWidget(viewer)
    denoise.device.setCurrentText("cpu")
    denoise.session.set_model(model, "test")
    return denoise


def slow_stack(image, planes=8, delay=0.2, step=0.0):
    """A dask stack of `image` (plus `step` per plane) whose planes take `delay` s each: a run
    that can be caught in progress."""
    stack = np.stack([image + step * i for i in range(planes)])
    return da.from_array(stack, chunks=(1, *image.shape)).map_blocks(
        lambda b: (time.sleep(delay), b)[1])
