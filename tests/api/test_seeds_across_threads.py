"""The same seed gives the same model when trainings run at once in threads (two napari panels,
a notebook's thread pool), and training leaves torch's global generator as the user had it.

Regression: networks drew their first weights from torch's global generator, which each training
seeded for itself, so concurrent trainings drew from each other's seeds (same seed, other
weights); the student's distillation re-seeded the global generator and left it so."""

from __future__ import annotations

import threading

import numpy as np
import torch

from napari_sdap import train

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 24,
        "device": "cpu"}


def _image():
    yy, xx = np.mgrid[:48, :48]
    clean = 0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    return (clean + np.random.default_rng(0).normal(0, 0.1, clean.shape)).astype(np.float32)


def _weights(model):
    return [t.clone() for t in model.network.state_dict().values()]


def test_concurrent_trainings_with_one_seed_give_the_sequential_model():
    image = _image()
    alone = _weights(train(image, seed=3, steps=2, stride=2, **TINY))
    got, errors = {}, []

    def run(k):
        try:
            got[k] = _weights(train(image, seed=3, steps=2, stride=2, **TINY))
        except Exception as err:  # (reported below)
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(4):
        assert all(torch.equal(a, b) for a, b in zip(alone, got[k], strict=True)), k


def test_training_with_a_student_leaves_the_global_generator_as_it_was():
    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    train(_image(), seed=0, steps=2, stride=1, student=True, student_steps=2,
          student_check=False, **TINY)
    assert torch.equal(torch.rand(3), expected)
