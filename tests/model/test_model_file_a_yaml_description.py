"""`load_model("pkg/rdf.yaml")` (the description of an unpacked bioimage.io package, as
bioimage.io tools and model-zoo links give it): safetensors read its text as a header length,
and the error said the file was "not a readable napari-sdap model file (truncated, corrupted
or another format: ... header too large)". It is a `ModelFileError` naming a YAML text and the
napari-sdap model file beside it (or what to give)."""

from __future__ import annotations

from pathlib import Path

import pytest

import napari_sdap
from napari_sdap.errors import ModelFileError

RDF = "format_version: 0.5.3\ntype: model\nname: cells denoiser\nweights: {}\n"


def test_an_unpacked_packages_description_names_the_model_beside_it(tmp_path: Path) -> None:
    (tmp_path / "rdf.yaml").write_text(RDF)
    (tmp_path / "napari_sdap_model.safetensors").write_bytes(b"")
    with pytest.raises(ModelFileError, match=r"rdf\.yaml is a YAML text .* not a model file; "
                                             r"give the model file beside it \(.*napari_sdap_"
                                             r"model\.safetensors\)"):
        napari_sdap.load_model(tmp_path / "rdf.yaml")


def test_a_yaml_file_alone(tmp_path: Path) -> None:
    (tmp_path / "bioimageio.yml").write_text(RDF)
    with pytest.raises(ModelFileError, match=r"is a YAML text .* give a napari-sdap model "
                                             r"\(\.safetensors\) or a package exported by "
                                             r"napari-sdap \(\.zip\)"):
        napari_sdap.load_model(tmp_path / "bioimageio.yml")
    assert (tmp_path / "bioimageio.yml").read_text() == RDF
