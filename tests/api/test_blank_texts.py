"""Texts of spaces alone where a text is meant: a bioimage.io description of spaces takes the
default text (as None does); an output of an unsupported type is named by its type, not
printed whole."""

from __future__ import annotations

import importlib.util
import zipfile

import numpy as np
import pytest

from napari_sdap.errors import OutputError


def test_an_output_list_is_named_by_its_type(noisy_pair):
    """Regression: output=[[0, ...], ...] printed the whole list in the message."""
    from napari_sdap import train

    model = train(noisy_pair[1], "YX", preset="tiny", width=8, blocks=1, steps=1,
                  student=False)
    with pytest.raises(OutputError, match="output of type list: unsupported type") as err:
        model.denoise(noisy_pair[1], "YX", output=[[0.0] * 96] * 96)
    assert len(str(err.value)) < 300


def test_a_description_of_spaces_takes_the_default_text(noisy_pair, tmp_path):
    """Regression: description='   ' went into the package as a blank description."""
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")
    import yaml

    from napari_sdap import train

    model = train(noisy_pair[1], "YX", preset="tiny", width=8, blocks=1, steps=1,
                  student=False)
    path = model.export_bmz(tmp_path / "m.zip", sample=noisy_pair[1].astype(np.float32),
                            description="   ")
    with zipfile.ZipFile(path) as z:
        rdf = yaml.safe_load(z.read("rdf.yaml"))
    assert rdf["description"].startswith("Self-supervised denoiser")


def test_a_model_path_under_a_file_says_it_is_a_file(noisy_pair, tmp_path):
    """Regression: model.save('notes.txt/m.safetensors') and export_bmz('notes.txt/m.zip')
    said 'folder notes.txt does not exist' (outputs were fixed so in 0ba80fb)."""
    from napari_sdap import train

    model = train(noisy_pair[1], "YX", preset="tiny", width=8, blocks=1, steps=1,
                  student=False)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"notes\.txt is a file, not a folder"):
        model.save(tmp_path / "notes.txt" / "m.safetensors")
    if importlib.util.find_spec("bioimageio") is not None:
        with pytest.raises(OutputError, match=r"notes\.txt is a file, not a folder"):
            model.export_bmz(tmp_path / "notes.txt" / "m.zip", sample=noisy_pair[1])
    assert (tmp_path / "notes.txt").read_text() == "mine"
