"""`train(..., dims=2 | 3 | "auto", along=...)`: choice, errors, model files, inference modes."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from safetensors.torch import save_file

from napari_sdap.api import load_model, train
from napari_sdap.errors import ConfigError, InputError
from napari_sdap.model import files
from napari_sdap.model.network3d import VolumeBlindSpotNet

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 16}


def _stack(depth: int = 10, size: int = 40, related: bool = True, seed: int = 0) -> np.ndarray:
    """Smooth 3-D structure (planes that share their signal) or unrelated planes, plus noise."""
    rng = np.random.default_rng(seed)
    z, y, x = np.mgrid[0:depth, 0:size, 0:size].astype(np.float32)
    if related:
        clean = np.sin(x / 4.0 + z / 6.0) * np.cos(y / 5.0)
    else:
        clean = np.stack([np.sin(x[0] / rng.uniform(2, 6) + rng.uniform(0, 6)) *
                          np.cos(y[0] / rng.uniform(2, 6) + rng.uniform(0, 6))
                          for _ in range(depth)])
    return (clean + rng.normal(0, 0.2, clean.shape)).astype(np.float32)


def test_dims3_trains_a_volume_model_and_records_it(tmp_path, caplog):
    img = _stack()
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        model = train(img, "ZYX", steps=3, stride=2, dims=3, **TINY)
    assert isinstance(model.network, VolumeBlindSpotNet)
    n = model.config.network
    assert (n.dims, n.z_context, n.along) == (3, 1, "Z")
    assert model.record.dims.startswith("dims=3 along Z, z_step=1")
    assert "dims=3 along Z" in caplog.text
    assert model.student is None and model.noise_curve is None
    assert "not used by 3-D models" in model.describe_detail()
    assert model.resolve_mode() == "sdap"
    with pytest.raises(ConfigError, match="sdap_e"):
        model.denoise(img, "ZYX", mode="sdap_e")
    path = model.save(tmp_path / "m.safetensors")
    loaded = load_model(path)
    assert loaded.config.network.dims == 3 and isinstance(loaded.network, VolumeBlindSpotNet)
    np.testing.assert_array_equal(loaded.denoise(img, "ZYX"), model.denoise(img, "ZYX"))
    # flips turn each plane with its neighbours; exact in tiles too
    flipped = model.denoise(img, "ZYX", flips=4)
    assert np.abs(flipped - model.denoise(img, "ZYX")).max() > 1e-5
    np.testing.assert_allclose(model.denoise(img, "ZYX", flips=4, tile=16), flipped, atol=1e-5)


def test_time_lapse_along_t():
    img = _stack(depth=6)
    model = train(img, "TYX", steps=2, stride=1, dims=3, along="T", student=False, **TINY)
    assert model.config.network.along == "T" and model.resolve_mode() == "bsn"
    assert model.denoise(img, "TYX").shape == img.shape
    with pytest.raises(InputError, match="needs a T axis"):
        model.denoise(img, "ZYX")


@pytest.mark.parametrize(("image", "axes", "match"), [
    (np.zeros((32, 32), np.float32), "YX", r"needs a Z axis of at least 3 planes"),
    (np.zeros((1, 32, 32), np.float32), "ZYX", r"needs at least 3 planes along Z.*has 1"),
    (np.zeros((4, 32, 32), np.float32), "ZYX", r"needs at least 5 planes along Z.*has 4"),
])
def test_too_few_planes_name_the_minimum(image, axes, match):
    context = 2 if image.ndim == 3 and image.shape[0] == 4 else 1
    with pytest.raises(InputError, match=match):
        train(image + np.random.default_rng(0).random(image.shape, np.float32), axes, steps=1,
              stride=1, dims=3, z_context=context, **TINY)


def test_a_3d_model_refuses_thin_stacks():
    model = train(_stack(), "ZYX", steps=2, stride=1, dims=3, **TINY)
    with pytest.raises(InputError, match=r"at least 3 planes along Z.*with a 2-D model") as err:
        model.denoise(_stack(depth=2), "ZYX")
    assert "dims=2" not in str(err.value)  # no training option for a model already trained
    with pytest.raises(InputError, match=r"needs a Z axis.*give the image's Z axis"):
        model.denoise(_stack(depth=4)[0], "YX")


def test_training_a_3d_model_further_on_a_plane_names_the_fixes_that_apply():
    """With model=, the model's dims apply: "or use dims=2" was suggested, and dims=2 then
    gave the same refusal."""
    model = train(_stack(), "ZYX", steps=2, stride=1, dims=3, **TINY)
    with pytest.raises(InputError, match=r"needs a Z axis.*the model given \(model=\) is "
                                         r"3-D and its dims apply.*give the image's Z axis "
                                         r".*or train a new 2-D model on it \(dims=2 "
                                         r"without model=\)$"):
        train(_stack()[0], "YX", steps=1, model=model)
    with pytest.raises(ConfigError, match=r"dims=2 \(the model's 3\) cannot change"):
        train(_stack()[0], "YX", steps=1, model=model, dims=2)
    with pytest.raises(InputError, match=r"at least 3 planes along Z.*has 2; the model given "
                                         r"\(model=\) is 3-D.*train a new 2-D model on so "
                                         r"thin a stack"):
        train(_stack(depth=2), "ZYX", steps=1, model=model)


@pytest.mark.parametrize(("related", "depth", "want"), [(True, 10, 3), (False, 10, 2),
                                                        (True, 5, 2)])
def test_auto_chooses_by_planes_and_shared_signal(related, depth, want):
    model = train(_stack(depth, related=related), "ZYX", steps=1, stride=1, dims="auto",
                  student=False, **TINY)
    assert model.config.network.dims == want
    assert model.record.dims.startswith(f"dims=auto chose {want}-D")


def test_bad_dims_and_along():
    img = _stack()
    with pytest.raises(ConfigError, match="dims must be 2, 3 or 'auto'"):
        train(img, "ZYX", steps=1, dims=4, **TINY)
    with pytest.raises(ConfigError, match="along must be 'Z' or 'T'"):
        train(img, "ZYX", steps=1, dims=3, along="C", **TINY)


def test_model_files_without_the_field_load_as_2d(tmp_path):
    model = train(_stack(depth=3), "ZYX", steps=1, stride=1, student=False, **TINY)
    path = model.save(tmp_path / "old.safetensors")
    tensors, meta = files.read_model_file(path)
    for key in ("dims", "z_context", "z_step", "along"):
        del meta["config"]["network"][key]
    meta_json = json.dumps(meta, sort_keys=True)
    save_file(tensors, str(path), metadata={files._KEY: meta_json,
                                            files._SUM: files._digest(meta_json, tensors)})
    loaded = load_model(path)
    assert loaded.config.network.dims == 2
    np.testing.assert_array_equal(loaded.denoise(_stack(depth=3), "ZYX"),
                                  model.denoise(_stack(depth=3), "ZYX"))


def test_cli_train_dims3_then_denoise(tmp_path, capsys):
    import tifffile

    from napari_sdap.cli import main

    raw = tmp_path / "raw"
    raw.mkdir()
    tifffile.imwrite(raw / "stack.tif", _stack(depth=6, size=32), imagej=True,
                     metadata={"axes": "ZYX"})
    out = tmp_path / "m.safetensors"
    args = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1", "--device",
            "cpu", "--axes", "ZYX", "--stride", "1"]
    assert main(["train", str(raw / "stack.tif"), "--model", str(out), "--dims", "3", *args]) == 0
    assert "dims=3 along Z" in capsys.readouterr().err
    assert load_model(out).config.network.dims == 3
    assert main(["denoise", str(raw), "--model", str(out), "--output", str(tmp_path / "o"),
                 "--device", "cpu"]) == 0
    noisy = tifffile.imread(raw / "stack.tif")
    np.testing.assert_allclose(tifffile.imread(tmp_path / "o" / "stack_sdap.tif"),
                               load_model(out).denoise(noisy, "ZYX"), atol=1e-5)
    assert main(["train", str(raw / "stack.tif"), "--model", str(tmp_path / "x.safetensors"),
                 "--dims", "3", "--z-context", "3", *args]) == 2
    assert "needs at least 7 planes along Z" in capsys.readouterr().err
