"""Saving a model from a panel: the file always ends in `.safetensors`, as the Load dialogs
(filtered on `*.safetensors *.zip`) need to list it."""

from __future__ import annotations

from napari_sdap._napari import session as session_mod
from napari_sdap._napari.widget_train import TrainWidget


def _train_panel(make_napari_viewer, small_image, trained_model):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    train = TrainWidget(viewer)
    train.session.set_model(trained_model, "a", saved=False)
    return train


def test_a_name_typed_without_an_ending_gets_safetensors(make_napari_viewer, small_image,
                                                        trained_model, tmp_path, monkeypatch):
    train = _train_panel(make_napari_viewer, small_image, trained_model)
    monkeypatch.setattr(session_mod, "model_file_dialog",
                        lambda parent, save: str(tmp_path / "cells model"))
    train.save_model()
    assert [p.name for p in tmp_path.iterdir()] == ["cells model.safetensors"]
    assert train.session.source_name() == "cells model.safetensors"
    asked = []
    train.confirm = lambda question: asked.append(question) or False
    train.save_model()  # the dialog asked about 'cells model', not the file with the ending
    assert asked and "cells model.safetensors already exists" in asked[0]


def test_an_upper_case_ending_is_kept_and_shown_short(make_napari_viewer, small_image,
                                                      trained_model, tmp_path, monkeypatch):
    train = _train_panel(make_napari_viewer, small_image, trained_model)
    monkeypatch.setattr(session_mod, "model_file_dialog",
                        lambda parent, save: str(tmp_path / "CELLS.SAFETENSORS"))
    train.save_model()
    assert [p.name for p in tmp_path.iterdir()] == ["CELLS.SAFETENSORS"]
    assert train.session.source_name() == "CELLS.SAFETENSORS"
    assert str(tmp_path) not in train.model_label.text()
