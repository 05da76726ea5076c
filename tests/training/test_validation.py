"""Held-out validation rows: the split, the sampler staying out of them, and `val_loss` records."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.axes import plane_view
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.training.patches import PatchSampler
from napari_sdap.training.validation import holdout_rows, validation_fits


class _Norm:
    def forward(self, block, group):
        return block.astype(np.float32)


def test_holdout_rows_split_and_refusals():
    bands, edge = holdout_rows([200, 100], 0.2, patch=32)
    assert bands == [40, 20] and edge == 20
    bands, edge = holdout_rows([200], 0.25, patch=32, stride=3)
    assert bands == [50] and edge == 30  # a multiple of the stride, at most the patch
    with pytest.raises(InputError, match="holds out 7 of 64 rows"):
        holdout_rows([64], 0.1, patch=32)
    with pytest.raises(InputError, match="32 rows"):  # band fine, too little left to train
        holdout_rows([60], 0.5, patch=32)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        holdout_rows([200], 1.5, patch=32)
    assert validation_fits([400], 0.1, 32) and not validation_fits([64], 0.1, 32)


def test_sampler_stays_inside_its_rows():
    image = np.arange(100 * 40, dtype=np.float32).reshape(100, 40) // 40  # value = row index
    sampler = PatchSampler([(image, plane_view(image.shape, "YX"))], _Norm(), 8, seed=3,
                           augment=False, rows=[(70, 100)])
    rows = sampler.sample(50)[:, 0, :, 0]
    assert rows.min() >= 70 and rows.max() <= 99
    train = PatchSampler([(image, plane_view(image.shape, "YX"))], _Norm(), 8, seed=3,
                         augment=False, rows=[(0, 70)])
    assert train.sample(50).max() <= 69


def test_sampler_without_rows_draws_as_before():
    image = np.random.default_rng(0).random((50, 50)).astype(np.float32)
    view = plane_view(image.shape, "YX")
    a = PatchSampler([(image, view)], _Norm(), 16, seed=5).sample(4)
    b = PatchSampler([(image, view)], _Norm(), 16, seed=5, rows=[(0, 50)]).sample(4)
    np.testing.assert_array_equal(a, b)


def _image():
    yy, xx = np.mgrid[0:160, 0:64].astype(np.float32)
    clean = np.sin(yy / 9) * np.cos(xx / 7)
    return (clean + np.random.default_rng(1).normal(0, 0.3, clean.shape)).astype(np.float32)


ARGS = {"preset": "tiny", "stride": 1, "width": 8, "blocks": 1, "batch_size": 2,
        "patch_size": 32, "device": "cpu", "student": False}


def test_iter_train_reports_validation_loss():
    recs = list(napari_sdap.iter_train(_image(), "YX", steps=100, validation=0.25, **ARGS))
    vals = [(r.step, r.val_loss) for r in recs if r.val_loss is not None]
    assert [s for s, _ in vals] == list(range(2, 101, 2))  # every steps // 50, and the last
    assert all(np.isfinite(v) and v > 0 for _, v in vals)
    assert vals[-1][1] < vals[0][1]  # the network learns to denoise the held-out rows too


def test_validation_off_by_default_and_training_unchanged():
    plain = list(napari_sdap.iter_train(_image(), "YX", steps=3, **ARGS))
    assert all(r.val_loss is None for r in plain)
    again = list(napari_sdap.iter_train(_image(), "YX", steps=3, validation=0.0, **ARGS))
    assert [r.loss for r in again] == [r.loss for r in plain]


def test_validation_on_too_small_image_is_an_input_error():
    with pytest.raises(InputError, match=r"validation=0\.1"):
        napari_sdap.train(_image()[:64], "YX", steps=2, validation=0.1, **ARGS)
