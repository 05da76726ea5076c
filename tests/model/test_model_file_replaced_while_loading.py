"""A model file that another process saves over while `load_model` reads it is refused, not
loaded with the other version's hash.

The hash outputs record as the model's (`model.source`, provenance `model.sha256`) was taken by
reading the file again after loading it: a lab's shared model saved over (`overwrite=True`) in
between gave outputs of the old weights recorded under the new file's hash; a read across the
two versions was refused as "modified after saving".
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api import loading
from napari_sdap.errors import ModelFileError
from napari_sdap.paths import sha256_file


def _model(steps: int):
    img = np.random.default_rng(steps).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    return napari_sdap.train(img, axes="YX", preset="tiny", steps=steps, width=8, blocks=1,
                             student=False, device="cpu")


@pytest.fixture(scope="module")
def models():
    return _model(2), _model(3)


def test_a_file_saved_over_while_read_is_refused(tmp_path, models, monkeypatch):
    path = tmp_path / "lab.safetensors"
    models[0].save(path)
    real = loading._checked

    def saved_over_meanwhile(p):
        model = real(p)
        models[1].save(path, overwrite=True)  # the colleague's new version lands now
        return model

    monkeypatch.setattr(loading, "_checked", saved_over_meanwhile)
    with pytest.raises(ModelFileError, match=r"replaced while it was read.*load it again"):
        napari_sdap.load_model(path)
    monkeypatch.undo()
    again = napari_sdap.load_model(path)  # loading again reads the new one, with its hash
    assert again.record.steps == 3 and again.source == (path.name, sha256_file(path))


def test_an_unchanged_file_records_its_hash(tmp_path, models):
    path = models[0].save(tmp_path / "m.safetensors")
    assert napari_sdap.load_model(path).source == ("m.safetensors", sha256_file(path))
