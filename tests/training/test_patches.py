"""Training patches come from regions of numpy, dask or zarr arrays, never the whole array."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import zarr

from napari_sdap.api import train
from napari_sdap.api.output_blur import OUTPUT_PIXELS
from napari_sdap.axes import plane_view
from napari_sdap.infer.sample import SAMPLE_PIXELS
from napari_sdap.model.normalize import Normalization
from napari_sdap.training.patches import PatchSampler


class RecordingArray:
    """A numpy-backed array-like that records every region read from it."""

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.shape, self.dtype, self.ndim = data, data.shape, data.dtype, data.ndim
        self.reads: list[int] = []

    def __getitem__(self, idx):
        block = self.data[idx]
        self.reads.append(int(np.size(block)))
        return block


def _stack(planes=40, size=64):
    rng = np.random.default_rng(0)
    return rng.normal(100, 10, (planes, size, size)).astype(np.float32)


def test_training_on_dask_reads_only_regions():
    data = _stack(planes=400)
    backing = RecordingArray(data)
    lazy = da.from_array(backing, chunks=(1, 32, 32), asarray=False)
    model = train(lazy, "ZYX", preset="tiny", width=8, blocks=1, steps=3, batch_size=2,
                  patch_size=16, stride=2, sample_pixels=8192)
    assert model.record.steps == 3
    plane = 64 * 64
    assert backing.reads, "nothing was read through the dask graph"
    assert max(backing.reads) <= 32 * 32, "a read went beyond one chunk"
    # normalisation (2 planes) + noise estimate (4 planes) + 6 patches + the detail restore's
    # noise-curve sample (SAMPLE_PIXELS in whole small planes) + the output blur's (as many
    # as OUTPUT_PIXELS): far below the stack
    assert sum(backing.reads) <= 8 * plane + SAMPLE_PIXELS + plane + OUTPUT_PIXELS
    assert sum(backing.reads) < data.size / 4


def test_patch_sampler_reads_patch_sized_regions():
    backing = RecordingArray(_stack(planes=3, size=200))
    sampler = PatchSampler([(backing, plane_view(backing.shape, "ZYX"))],
                           Normalization(low=[0.0], high=[1.0]), patch_size=24, seed=0)
    batch = sampler.sample(5)
    assert batch.shape == (5, 1, 24, 24) and batch.dtype == np.float32
    assert backing.reads == [24 * 24] * 5


def test_training_on_zarr(tmp_path):
    arr = zarr.open_array(tmp_path / "img.zarr", mode="w", shape=(2, 80, 80), chunks=(1, 40, 40),
                          dtype="uint16")
    arr[:] = (np.random.default_rng(0).normal(1000, 50, (2, 80, 80))).astype(np.uint16)
    model = train(arr, "CYX", preset="tiny", width=8, blocks=1, steps=2, batch_size=2,
                  patch_size=16, stride=2)
    assert len(model.normalization.low) == 2
    assert 800 < model.normalization.low[0] < 1000 < model.normalization.high[0] < 1200


def test_dihedral_augmentation_covers_all_eight_orientations():
    patch = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    sampler = PatchSampler([(patch, plane_view(patch.shape, "CYX"))],
                           Normalization(low=[0.0], high=[1.0]), patch_size=4, seed=0)
    seen = {sampler.sample(1)[0, 0].tobytes() for _ in range(300)}
    expected = set()
    for k in range(4):
        r = np.rot90(patch[0], k)
        expected |= {r.tobytes(), r[:, ::-1].copy().tobytes()}
    assert len(expected) == 8 and seen == expected


def test_no_augmentation_keeps_orientation():
    patch = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    sampler = PatchSampler([(patch, plane_view(patch.shape, "CYX"))],
                           Normalization(low=[0.0], high=[1.0]), patch_size=4, augment=False)
    np.testing.assert_array_equal(sampler.sample(3)[:, 0], np.stack([patch[0]] * 3))


def test_patches_are_normalised_per_channel_group():
    data = np.stack([np.full((16, 16), 10.0), np.full((16, 16), 1000.0)]).astype(np.float32)
    sampler = PatchSampler([(data, plane_view(data.shape, "CYX"))],
                           Normalization(low=[0.0, 900.0], high=[20.0, 1100.0]), patch_size=8)
    values = {float(v) for v in np.unique(sampler.sample(20))}
    assert values == {0.5}


def test_nan_in_a_lazy_patch_is_reported():
    data = np.ones((32, 32), np.float32)
    data[:] = np.nan
    sampler = PatchSampler([(da.from_array(data), plane_view(data.shape, "YX"))],
                           Normalization(low=[0.0], high=[1.0]), patch_size=8)
    with pytest.raises(ValueError, match="NaN"):
        sampler.sample(1)
