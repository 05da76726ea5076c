"""One dask worker serving two batches with different models (`--scheduler`, workers of several
threads): the per-process model cache holds one model, and a task of the other batch may
replace it between a task's check and its read.

Regression: `load_cached_model` checked the cache, then read it again: the other thread's
model in between made the file fail with a bare `KeyError: ('/path/m.safetensors', '...')`.
The interleaving is played here by a cache that lets the other batch's task run at that point.
"""

from __future__ import annotations

import numpy as np

import napari_sdap
import napari_sdap.cli.jobs as jobs
from napari_sdap.paths import sha256_file


def _model_file(path, seed):
    image = np.random.default_rng(seed).normal(0.5, 0.1, (40, 40)).astype(np.float32)
    napari_sdap.train(image, preset="tiny", steps=1, width=8, blocks=1, device="cpu",
                      student=False, seed=seed).save(path)
    return str(path), sha256_file(path)


def test_a_model_replaced_by_another_runs_task_meanwhile_is_still_returned(tmp_path,
                                                                           monkeypatch):
    first, second = _model_file(tmp_path / "a.safetensors", 1), _model_file(
        tmp_path / "b.safetensors", 2)

    class OtherRunBetween(dict):
        """The other batch's task runs right after this one's model went into the cache."""

        busy = False

        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            if key == first and not self.busy:
                self.busy = True
                jobs.load_cached_model(*second)

        def get(self, key, default=None):
            value = super().get(key, default)
            if key == first and value is not None and not self.busy:
                self.busy = True
                jobs.load_cached_model(*second)  # between the look-up and its use
            return value

    for start_cached in (False, True):
        cache = OtherRunBetween()
        monkeypatch.setattr(jobs, "_MODELS", cache)
        if start_cached:
            cache.busy = True
            jobs.load_cached_model(*first)
            cache.busy = False
        model = jobs.load_cached_model(*first)
        assert model.source is not None and model.source[1] == first[1]
        assert list(cache) == [second]  # the other run's model is the one kept
