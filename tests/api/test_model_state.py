"""A model used in a notebook: edited by hand, cast, left in an open training, computed late."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from api_helpers import TINY

import napari_sdap
from napari_sdap.api.writing import open_denoise
from napari_sdap.errors import ConfigError, InputError


def _image(seed=0):
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:64, :64][1]
    return (0.5 + 0.3 * np.sin(xx / 5.0) + rng.normal(0, 0.1, (64, 64))).astype(np.float32)


def _model():
    return napari_sdap.train(_image(), "YX", steps=3, stride=1, student=False, **TINY)


def test_a_lazy_result_is_the_model_as_it_was_when_asked_for():
    """Computed after the model was trained further, it mixed the two models."""
    model, img = _model(), _image(1)
    before = model.denoise(img, "YX")
    lazy = model.denoise(img, "YX", lazy=True)
    napari_sdap.train(_image(2), "YX", steps=3, model=model)
    assert not np.allclose(model.denoise(img, "YX"), before)  # it did change
    np.testing.assert_allclose(np.asarray(lazy), before, atol=1e-5)


def test_hand_edits_that_break_the_model_are_refused_before_the_work(tmp_path):
    model = _model()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's own error, as it raises it
        model.config.inference.whiten_axis = "Y"
    for act in (lambda: model.save(tmp_path / "a.safetensors"),
                lambda: model.denoise(_image(), "YX")):
        with pytest.raises(ConfigError, match=r"invalid settings: .*whiten"):
            act()
    assert list(tmp_path.iterdir()) == []  # no file that cannot be loaded again
    model = _model()
    model.network.half()
    with pytest.raises(ConfigError, match=r"weights are float16.*model.network.float\(\)"):
        model.denoise(_image(), "YX")
    model.network.float()
    model.config.network.width = 32
    with pytest.raises(ConfigError, match=r"no longer matches model\.config\.network"):
        model.save(tmp_path / "b.safetensors")


def test_a_training_left_open_is_finished_before_a_save_and_trained_once(tmp_path):
    """A loop left with break while its generator was kept gave a model without its noise
    curve, saved so; two trainings of one model ran two optimisers on one network."""
    gen = napari_sdap.iter_train(_image(), "YX", steps=6, stride=1, student=False, **TINY)
    for rec in gen:
        if rec.step == 3:
            break
    model = rec.model
    with pytest.raises(ConfigError, match=r"training is still open.*g.close\(\)"):
        model.save(tmp_path / "m.safetensors")
    with pytest.raises(ConfigError, match="being trained already"):
        napari_sdap.train(_image(1), "YX", steps=2, model=model)
    assert model.noise_curve is None
    gen.close()
    assert model.noise_curve is not None and model.record.steps == 3
    assert model.save(tmp_path / "m.safetensors").is_file()
    again = napari_sdap.train(_image(1), "YX", steps=2, model=tmp_path / "m.safetensors")
    assert again.record.steps == 5  # a model file given as model= is trained further


def test_a_run_dropped_unrun_leaves_no_temporary(tmp_path):
    run = open_denoise(_model(), _image(), tmp_path / "a.tif", "YX")
    assert [p.name for p in tmp_path.iterdir()]  # its hidden temporary
    del run
    gc.collect()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tile", ["32", 32.5, True])
def test_a_tile_that_is_not_a_whole_number_is_refused(tile):
    with pytest.raises(InputError, match="tile must be a whole number of pixels"):
        _model().denoise(_image(), "YX", tile=tile)


def test_a_run_uses_the_model_as_it_was_when_it_started(tmp_path):
    """A denoising run while a training of its model goes on (another thread, or a notebook's
    generator advanced meanwhile) mixed the weights of several steps, tile by tile."""
    import copy
    import threading

    import tifffile

    model, img = _model(), _image(1)
    gen = napari_sdap.iter_train(_image(), "YX", model=model, steps=30, student=False)
    next(gen)  # the training is open, between two steps
    as_started = copy.deepcopy(model)
    run = open_denoise(model, img, tmp_path / "a.tif", "YX", tile=16)
    steps = run.steps()
    next(steps)  # the first tiles
    for _ in range(5):
        next(gen)  # the model trains on meanwhile
    for _ in steps:
        pass
    expected = as_started.denoise(img, "YX", tile=16)
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "a.tif"), expected)
    # from another thread, while the training runs to its end
    trainer = threading.Thread(target=lambda: [None for _ in gen])
    trainer.start()
    raw = {"mode": "bsn", "detail": False, "tile": 16}  # (the network's output: no tile
    during = model.denoise(img, "YX", **raw)  # of another model gives the same pixels)
    trainer.join()
    after = model.denoise(img, "YX", **raw)
    tiles = [np.array_equal(during[y:y + 16, x:x + 16], after[y:y + 16, x:x + 16])
             for y in range(0, 64, 16) for x in range(0, 64, 16)]
    assert all(tiles) or not any(tiles)  # one model for every tile


def test_weights_holding_nan_are_refused_before_denoising_or_saving(tmp_path):
    """The denoised image was all NaN without a word, and the saved file was refused only
    when loaded."""
    import torch

    model = _model()
    with torch.no_grad():
        next(model.network.parameters())[0].fill_(float("nan"))
    for act in (lambda: model.denoise(_image(), "YX"),
                lambda: model.save(tmp_path / "m.safetensors")):
        with pytest.raises(ConfigError, match="weights hold NaN or infinite values"):
            act()
    assert not list(tmp_path.iterdir())


def test_weights_frozen_by_hand_train_on():
    """`model.network.requires_grad_(False)` then training gave torch's raw RuntimeError."""
    model = _model()
    model.network.requires_grad_(False)
    before = [p.clone() for p in model.network.parameters()]
    napari_sdap.train(_image(), "YX", model=model, steps=2, student=False)
    assert any(not np.array_equal(a.detach(), b.detach())
               for a, b in zip(before, model.network.parameters(), strict=True))


def test_a_training_generator_collected_as_garbage_mid_call_does_not_hang():
    """A half-used generator in a reference cycle, finalised by the garbage collector while
    the bookkeeping lock was held (any allocation there), took that lock again: a hang."""
    import subprocess
    import sys

    script = """
import gc, weakref, numpy as np
from napari_sdap.api import iter_train, open_training as ot
class CollectHere(weakref.WeakKeyDictionary):
    def setdefault(self, k, d=None):
        gc.collect()
        return super().setdefault(k, d)
ot._STEPS = CollectHere(ot._STEPS)
img = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
g = iter_train(img, "YX", preset="tiny", steps=50, width=8, blocks=1, student=False)
model = next(g).model
cycle = {"g": g}
cycle["self"] = cycle
del g, cycle
model.denoise(img, "YX")
print("done")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr[-2000:]
