"""`copy.copy` and `copy.deepcopy` of an `SDAPModel` give a model of its own, taken between two
training steps.

Regression: `copy.copy(model)` (a notebook's "backup" before training on) shared the network,
the record and the optimiser's target with the original: training the copy changed the
original's weights and step count while the original kept the old student and still named its
model file (`source`, recorded with every output); a training of each at once ran two optimisers
on one network, which the per-model check did not see (and torch aborted the process at exit).
`copy.deepcopy` taken while another thread trained the model could copy half a step.
"""

from __future__ import annotations

import copy
import threading
import time

import numpy as np
import torch

import napari_sdap
from napari_sdap.api.open_training import step_lock

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "device": "cpu"}


def _image() -> np.ndarray:
    yy, xx = np.mgrid[:48, :48]
    clean = 0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    return (clean + np.random.default_rng(0).normal(0, 0.1, clean.shape)).astype(np.float32)


def _weights(model) -> list[torch.Tensor]:
    return [t.clone() for t in model.network.state_dict().values()]


def _same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_training_a_shallow_copy_leaves_the_original_as_it_was(tmp_path):
    image = _image()
    model = napari_sdap.train(image, steps=2, stride=1, student=False, **TINY)
    model.save(tmp_path / "m.safetensors")
    model = napari_sdap.load_model(tmp_path / "m.safetensors")
    before, out = _weights(model), model.denoise(image)
    backup = copy.copy(model)
    assert backup.network is not model.network and backup.record is not model.record
    napari_sdap.train(image, model=backup, steps=2)
    assert backup.record.steps == 4 and backup.source is None
    assert model.record.steps == 2 and _same(_weights(model), before)
    assert model.source is not None and model.source[0] == "m.safetensors"
    np.testing.assert_array_equal(model.denoise(image), out)


def test_a_model_and_its_shallow_copy_train_at_once_as_two_models():
    image = _image()
    model = napari_sdap.train(image, steps=2, stride=1, student=False, **TINY)
    other = copy.copy(model)
    alone = napari_sdap.train(image, model=copy.deepcopy(model), steps=2)
    first = napari_sdap.iter_train(image, model=model, steps=2)
    second = napari_sdap.iter_train(image, model=other, steps=2)
    for _ in zip(first, second, strict=True):  # steps of both, in turn
        pass
    assert model.record.steps == other.record.steps == 4
    assert _same(_weights(model), _weights(alone)) and _same(_weights(other), _weights(alone))


def test_a_deep_copy_waits_for_the_step_in_progress():
    model = napari_sdap.create_model("tiny", 1, width=8, blocks=1)
    params = list(model.network.parameters())
    inside, copied = threading.Event(), {}

    def step():  # a training step of another thread: changes one tensor, then another
        with step_lock(model), torch.no_grad():
            params[0].fill_(1.0)
            inside.set()
            time.sleep(0.3)
            params[-1].fill_(1.0)

    worker = threading.Thread(target=step)
    worker.start()
    inside.wait(5)
    copied["model"] = copy.deepcopy(model)
    worker.join()
    got = list(copied["model"].network.parameters())
    assert bool((got[0] == 1).all()) and bool((got[-1] == 1).all())  # the whole step, not half
