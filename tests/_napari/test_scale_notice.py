"""The Train panel's worker shows the engine's warning on layers of very different
intensity scales (More layers) as a notice, not a log line alone."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.workers import Notice, TrainJob, train_steps


def _image(seed=0):
    return np.clip(np.random.default_rng(seed).normal(120, 20, (64, 64)), 0, 255)


def test_layers_on_very_different_scales_give_a_notice():
    """Regression: 0..255 and the same x1000 trained together under one normalisation with
    only a log line, which no napari user sees."""
    job = TrainJob(_image(), "YX", steps=2, preset="tiny", stride=2,
                   overrides={"width": 8, "blocks": 1, "student": False},
                   more=[(_image(1) * 1000, "YX")])
    records = list(train_steps(job))
    notices = [r.message for r in records if isinstance(r, Notice)]
    assert len(notices) == 1 and "very different intensity scales" in notices[0]
    assert records.index(next(r for r in records if isinstance(r, Notice))) == 0


def test_layers_on_one_scale_give_none():
    job = TrainJob(_image(), "YX", steps=2, preset="tiny", stride=2,
                   overrides={"width": 8, "blocks": 1, "student": False},
                   more=[(_image(1), "YX")])
    assert not [r for r in train_steps(job) if isinstance(r, Notice)]
