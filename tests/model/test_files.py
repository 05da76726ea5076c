"""Model files: safetensors + JSON, verified on load, never unpickled."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from napari_sdap.api import create_model, load_model
from napari_sdap.errors import ModelFileError, OutputError
from napari_sdap.model import files
from napari_sdap.model.normalize import Normalization


@pytest.fixture
def model():
    m = create_model("tiny", 1, width=8, blocks=1, seed=3)
    m.normalization = Normalization(low=[10.0], high=[200.0])
    m.record.steps, m.record.final_loss = 7, 0.25
    return m


def test_round_trip_gives_identical_output(tmp_path, model):
    path = model.save(tmp_path / "m.sdap.safetensors")
    again = load_model(path)
    assert again.config == model.config
    assert again.normalization == model.normalization
    assert again.record.steps == 7 and again.record.final_loss == 0.25
    assert again.record.seed == 3 and "torch" in again.record.versions
    image = np.random.default_rng(0).uniform(0, 255, (40, 37)).astype(np.float32)
    for mode in ("sdap", "sdap_e", "bsn"):
        np.testing.assert_array_equal(again.denoise(image, mode=mode),
                                      model.denoise(image, mode=mode))


def test_file_header_is_plain_json_with_version_and_config(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _, meta = files.read_model_file(path)
    assert meta["format_version"] == files.FORMAT_VERSION
    assert meta["config"]["network"]["width"] == 8
    assert meta["normalization"] == {"low": [10.0], "high": [200.0]}
    assert meta["record"]["steps"] == 7


def _rewrite(path, meta_change, keep_digest=False):
    tensors, meta = files.read_model_file(path)
    meta_change(meta)
    meta_json = json.dumps(meta, sort_keys=True)
    digest = files._digest(meta_json, tensors)
    if keep_digest:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            digest = f.metadata()[files._SUM]
    save_file(tensors, str(path), metadata={files._KEY: meta_json, files._SUM: digest})


def test_other_major_format_version_is_refused(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _rewrite(path, lambda m: m.update(format_version="2.0"))
    with pytest.raises(ModelFileError, match=r"format version 2\.0"):
        load_model(path)


def test_newer_minor_version_is_accepted(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _rewrite(path, lambda m: m.update(format_version="1.9"))
    assert load_model(path).config == model.config


def test_tampered_json_is_refused(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _rewrite(path, lambda m: m["config"]["network"].update(width=9), keep_digest=True)
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def test_invalid_settings_with_valid_checksum_are_refused(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _rewrite(path, lambda m: m["config"]["network"].update(width=-5))
    with pytest.raises(ModelFileError, match="invalid settings"):
        load_model(path)


def test_weights_not_matching_settings_are_refused(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    _rewrite(path, lambda m: m["config"]["network"].update(width=16))
    with pytest.raises(ModelFileError, match="weights do not match"):
        load_model(path)


def test_truncated_file_is_refused(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a readable napari-sdap model"):
        load_model(path)


def test_a_zip_cut_short_is_called_truncated_not_a_checkpoint(tmp_path):
    import zipfile

    whole = tmp_path / "package.zip"
    with zipfile.ZipFile(whole, "w") as z:
        z.writestr("rdf.yaml", "x" * 4000)
    cut = tmp_path / "half.zip"
    cut.write_bytes(whole.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match=r"half\.zip starts like a zip .*truncated"):
        load_model(cut)
    with pytest.raises(ModelFileError, match="did not export"):
        load_model(whole)  # a whole package of another tool: as before


def test_foreign_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(path))
    with pytest.raises(ModelFileError, match="not a napari-sdap model"):
        load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nope.safetensors")


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("via_torch", [False, True])
def test_pickle_renamed_to_model_is_refused_and_never_executed(tmp_path, via_torch):
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "model.safetensors"
    if via_torch:
        torch.save({"x": _Payload(str(marker))}, path)
    else:
        path.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFileError):
        load_model(path)
    assert not marker.exists()
    # control: the payload is real, unpickling it does create its marker file
    control = tmp_path / "control.txt"
    pickle.loads(pickle.dumps(_Payload(str(control)))).close()
    assert control.exists()


def test_save_is_atomic_and_leaves_no_partial(tmp_path, model):
    path = model.save(tmp_path / "m.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
    assert path.stat().st_size > 0


@pytest.mark.parametrize("name", ["m.tif", "m.OME.TIF", "m.zarr", "m.npy"])
def test_a_model_name_that_ends_like_an_image_is_refused(tmp_path, model, name):
    with pytest.raises(OutputError, match=r"ends like an image .*give e.g. .*m\.safetensors"):
        model.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "why"), [("m.zip", "bioimage.io package"),
                                         ("m.pt", "pickled torch file"),
                                         ("m.PTH", "pickled torch file"),
                                         ("m.ckpt", "pickled torch file")])
def test_a_model_name_of_another_kind_of_file_is_refused(tmp_path, model, name, why):
    """`m.zip` saved a safetensors file that `load_model` then read as a bioimage.io package
    (a confusing failure); `.pt` names a pickle, which this file is not."""
    with pytest.raises(OutputError, match=rf"ends in .*{why}.*give e.g. .*m\.safetensors"):
        model.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []
    assert model.save(tmp_path / "m.model").is_file()  # other endings are the user's choice


def test_saved_model_is_readable_by_the_group_under_the_usual_umask(tmp_path):
    import os

    from napari_sdap import create_model

    old = os.umask(0o022)
    try:
        path = create_model("tiny", width=8, blocks=1).save(tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644


@pytest.mark.parametrize(("suffix", "word"), [(".tif", "a TIFF"), (".png", "a PNG"),
                                              (".npy", r"a NumPy \(\.npy\)")])
def test_an_image_given_as_the_model_is_named(tmp_path, suffix, word):
    import imagecodecs
    import tifffile

    image = np.zeros((8, 8), np.uint8)
    path = tmp_path / f"cells{suffix}"
    if suffix == ".tif":
        tifffile.imwrite(path, image)
    elif suffix == ".png":
        imagecodecs.imwrite(path, image)
    else:
        np.save(path, image)
    with pytest.raises(ModelFileError, match=f"is {word} image, not a model file"):
        load_model(path)
