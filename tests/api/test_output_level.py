"""An image somewhat off the model's training data whose output would not keep its level is
refused after one window is tried (`api.output_level`): a model of 8-bit data gave an output of
median 109 for an image of 408..590, and a model of a 16-bit EMCCD frame gave about 400 for
every 8-bit FMD frame (medians 4-51)."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api import job, output_level
from napari_sdap.errors import InputError

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 4, "patch_size": 24,
        "steps": 3, "student": False, "stride": 1, "seed": 0}


def _image(offset=0.0, seed=0):
    yy, xx = np.mgrid[:64, :64]
    clean = 100 + 80 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    rng = np.random.default_rng(seed)
    return np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8) + offset


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_image(), "YX", **TINY)


@pytest.fixture
def brighter():
    return _image(400.0, seed=1).astype(np.float32)  # 1.5 training spans above: a warning


def test_the_output_would_leave_the_image_s_range(model, brighter, monkeypatch):
    monkeypatch.setattr(job, "check_output_level", lambda *a, **k: None)
    out = model.denoise(brighter)
    assert np.median(out) < np.percentile(brighter, 1)  # the harm the check prevents


def test_such_an_image_is_refused_with_where_and_what(model, brighter):
    with pytest.raises(InputError, match=r"does not look like the data the model was trained "
                       r"on, and the model's output on a piece of it \(y 0\.\.64, x 0\.\.64\) "
                       r"lies at [\d.]+, outside the image's own intensities there "
                       r"\(4\d\d\.\.5\d\d, 98 % of its pixels\).*rescale it.*train a model"):
        model.denoise(brighter)


def test_lazy_results_and_written_files_are_refused_too(model, brighter, tmp_path):
    with pytest.raises(InputError, match="outside the image's own intensities"):
        model.denoise(brighter, lazy=True)
    path = tmp_path / "out.tif"
    with pytest.raises(InputError, match="outside the image's own intensities"):
        model.denoise(brighter, output=path)
    assert list(tmp_path.iterdir()) == []


def test_the_middle_plane_of_a_stack_is_tried_and_named(model):
    stack = np.stack([_image(400.0, seed=k).astype(np.float32) for k in range(3)])
    with pytest.raises(InputError, match=r"piece of it \(plane 1, y 0\.\.64"):
        model.denoise(stack, "ZYX")


def test_an_image_short_of_a_warning_is_tried_too(model, caplog):
    image = _image(200.0, seed=1).astype(np.float32)  # 0.5-1 span above the range: no warning
    with pytest.raises(InputError, match=r"lies at 1\d\d(\.\d+)?, outside the image's own "
                       r"intensities there \(2\d\d\.\.3\d\d"):
        model.denoise(image)
    assert not caplog.records


def test_images_of_the_model_s_kind_are_not_tried(model, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried")

    monkeypatch.setattr(output_level, "probe_level", refuse)
    dimmer = _image(seed=2) // 2 + 40  # same noise, inside the training range
    assert model.denoise(dimmer).shape == dimmer.shape


def test_a_3d_model_is_tried_on_the_plane_s_own_pixels():
    # (a 3-D model reads each plane with its neighbours: the window's input had three times
    # the output's channels, named "channel 0 of"; a level inside the range then failed on
    # the second)
    rng = np.random.default_rng(0)
    zz, yy, xx = np.mgrid[:8, :48, :48]
    clean = 100 + 60 * np.sin(xx / 5.0) * np.cos(yy / 7.0) * np.cos(zz / 3.0)
    stack = (clean + rng.normal(0, 10, clean.shape)).astype(np.float32)
    model = napari_sdap.train(stack, "ZYX", **{**TINY, "patch_size": 24}, dims=3)
    assert model.config.network.dims == 3
    with pytest.raises(InputError, match=r"piece of it \(plane 4, y 0\.\.48, x 0\.\.48\) lies"):
        model.denoise(stack + 150, "ZYX")
    import torch

    from napari_sdap.api.job import make_job

    job = make_job(model, stack + 150, "ZYX", "auto")
    try:
        _, _, given, out = output_level.probe_level(model, job, torch.device("cpu"))
    finally:
        job.image.close()
    assert given.shape == out.shape == (1, 48, 48)
