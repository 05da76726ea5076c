"""`model.save("models/")`: a path ending in '/' (a folder meant) was saved as a file named
`models` (pathlib drops the slash). It is an `OutputError` naming a file path inside it."""

from __future__ import annotations

import pytest
from synthetic import noisy_sine

from napari_sdap import OutputError, train


@pytest.fixture(scope="module")
def model():
    return train(noisy_sine(48), preset="tiny", steps=2, student=False, device="cpu")


def test_save_to_a_name_ending_in_a_slash_is_refused(tmp_path, model):
    target = str(tmp_path / "models") + "/"
    with pytest.raises(OutputError, match=r"names a folder \(it ends in '/'\), not a model file; "
                                          r"give a file path such as .*models/model\.safetensors"):
        model.save(target)
    assert not (tmp_path / "models").exists()


def test_save_to_a_file_name_still_works(tmp_path, model):
    assert model.save(tmp_path / "m.safetensors").is_file()
    assert model.save(str(tmp_path / "n.safetensors")).is_file()
