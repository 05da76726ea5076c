"""The one write path: open, run, commit; provenance; nothing left by a stop at any point."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr
from api_helpers import TINY as TINY_NET
from api_helpers import gray_model_fixture  # noqa: F401 (fixture)

from napari_sdap.api.provenance import SCHEMA
from napari_sdap.api.quality import quality_report
from napari_sdap.api.writing import open_denoise, save_result
from napari_sdap.errors import ConfigError


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_run_commits_with_one_provenance_record(tmp_path, noisy_pair, gray_model):
    model = gray_model
    out = tmp_path / "out.zarr"
    with open_denoise(model, noisy_pair[1], out, "YX", front_end="cli",
                      run={"settings": {"tile": None}}) as run:
        assert _listing(tmp_path) != [] and not out.exists()  # only the hidden temporary
        for _ in run.steps():
            pass
    rec = zarr.open_array(str(out), mode="r").attrs["napari_sdap"]["metadata"]
    assert rec["schema"] == SCHEMA and rec["front_end"] == "cli"
    assert rec["input"]["axes"] == "YX" and rec["input"]["shape"] == list(noisy_pair[1].shape)
    assert rec["model"]["steps"] == model.record.steps and rec["run"]["settings"] == {"tile": None}
    assert rec["config"]["inference"]["mode"] == rec["mode"] == run.job.mode
    assert rec["model"]["precision"] == model.record.precision in ("bfloat16", "float32")
    assert _listing(tmp_path) == ["out.zarr"]


def test_flips_are_applied_and_recorded(tmp_path, noisy_pair, gray_model):
    out = tmp_path / "out.zarr"
    with open_denoise(gray_model, noisy_pair[1], out, "YX", flips=4, tile=32) as run:
        for _ in run.steps():
            pass
    arr = zarr.open_array(str(out), mode="r")
    rec = arr.attrs["napari_sdap"]["metadata"]
    assert rec["flips"] == rec["config"]["inference"]["flips"] == 4
    np.testing.assert_allclose(arr[:], gray_model.denoise(noisy_pair[1], "YX", flips=4),
                               atol=1e-5)
    with pytest.raises(ConfigError, match=r"flips must be one of 1, 2, 4, 8 \(got 3\)"):
        gray_model.denoise(noisy_pair[1], "YX", flips=3)


@pytest.mark.parametrize("when", ["before the steps", "between tiles"])
def test_an_interrupt_at_any_point_leaves_nothing(tmp_path, noisy_pair, gray_model, when):
    model = gray_model
    image = np.concatenate([noisy_pair[1]] * 4, axis=0)  # several tiles
    with pytest.raises(KeyboardInterrupt), \
            open_denoise(model, image, tmp_path / "out.tif", "YX", tile=32) as run:
        if when == "before the steps":
            raise KeyboardInterrupt
        for _ in run.steps():
            raise KeyboardInterrupt
    assert _listing(tmp_path) == []


def test_save_result_keeps_the_record_and_refuses_to_replace(tmp_path):
    data = np.arange(64, dtype=np.float32).reshape(8, 8)
    path = save_result(data, tmp_path / "r.ome.zarr", axes="YX", scale={"X": 0.5, "Y": 0.5},
                       units={"X": "micrometer", "Y": "micrometer"},
                       provenance={"schema": SCHEMA, "mode": "bsn"})
    group = zarr.open_group(str(path), mode="r")
    np.testing.assert_array_equal(group["0"][:], data)
    assert group.attrs["napari_sdap"]["metadata"]["mode"] == "bsn"
    from napari_sdap.errors import OutputError

    with pytest.raises(OutputError, match="already exists"):
        save_result(data, path, axes="YX")


def test_imagej_order_and_colour_go_to_ome_zarr_in_its_order(tmp_path):
    """An ImageJ hyperstack (TZCYX) and an RGB image (YXC) were refused for `.ome.zarr`
    outputs; they are stored in OME's order (TCZYX, CYX), tile by tile, equal to the result
    in memory."""
    from napari_sdap.api import train
    from napari_sdap.io.readers import open_image

    rng = np.random.default_rng(1)
    stack = rng.normal(0.5, 0.1, (2, 3, 2, 40, 44)).astype(np.float32)  # T Z C Y X
    model = train(stack, axes="TZCYX", steps=2, stride=1, student=False, **TINY_NET)
    whole = model.denoise(stack, axes="TZCYX")
    path = tmp_path / "h.ome.zarr"
    out = model.denoise(stack, axes="TZCYX", output=path, tile=32)
    assert out.shape == stack.shape  # the written output, in the image's own axes
    np.testing.assert_allclose(out[1, 2], whole[1, 2], atol=1e-5)
    with open_image(path) as src:
        assert src.axes == "TCZYX"
        np.testing.assert_allclose(np.asarray(src.array[...]), whole.transpose(0, 2, 1, 3, 4),
                                   atol=1e-5)
    rgb = rng.normal(0.5, 0.1, (40, 44, 3)).astype(np.float32)
    model = train(rgb, axes="YXC", steps=2, stride=1, student=False, **TINY_NET)
    path = tmp_path / "rgb.ome.zarr"
    model.denoise(rgb, axes="YXC", output=path)
    with open_image(path, "CYX") as src:  # as stored
        np.testing.assert_allclose(np.asarray(src.array[...]),
                                   model.denoise(rgb, axes="YXC").transpose(2, 0, 1), atol=1e-5)
    with open_image(path) as src:  # read back as the colour image it was made from
        assert src.axes == "YXC"


def test_an_output_names_the_model_file_it_was_loaded_from(tmp_path, noisy_pair, gray_model):
    """API outputs recorded `model.sha256: null` even for a model read from a file."""
    import hashlib

    from napari_sdap.api import load_model, train

    def _model(path):
        return zarr.open_group(path, mode="r").attrs["napari_sdap"]["metadata"]["model"]

    _, noisy = noisy_pair
    saved = gray_model.save(tmp_path / "m.safetensors")
    sha = hashlib.sha256(saved.read_bytes()).hexdigest()
    model = load_model(saved)
    model.denoise(noisy, output=tmp_path / "a.ome.zarr")
    assert (_model(tmp_path / "a.ome.zarr")["file"], _model(tmp_path / "a.ome.zarr")["sha256"]
            ) == ("m.safetensors", sha)
    gray_model.denoise(noisy, output=tmp_path / "b.ome.zarr")  # the saved model itself
    assert _model(tmp_path / "b.ome.zarr")["sha256"] == sha
    train(noisy, model=model, steps=1)  # trained further: no longer that file
    model.denoise(noisy, output=tmp_path / "c.ome.zarr")
    assert _model(tmp_path / "c.ome.zarr")["sha256"] is None


def test_an_ome_zarr_output_lies_where_its_input_lies(tmp_path, gray_model, noisy_pair):
    """OME-Zarr inputs with a translation (a tile of a stitched acquisition) gave outputs at
    the origin: overlaid, every tile fell on the first."""
    from napari_sdap.io.readers import open_image

    _, noisy = noisy_pair
    group = zarr.open_group(tmp_path / "tile.ome.zarr", mode="w", zarr_format=2)
    group.create_array("0", data=noisy)
    group.attrs["multiscales"] = [{"version": "0.4", "axes": [
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"}], "datasets": [
        {"path": "0", "coordinateTransformations": [
            {"type": "scale", "scale": [0.5, 0.5]},
            {"type": "translation", "translation": [100.0, 250.5]}]}]}]
    with open_image(tmp_path / "tile.ome.zarr") as src:
        assert src.metadata["translation"] == {"Y": 100.0, "X": 250.5}
    gray_model.denoise(tmp_path / "tile.ome.zarr", output=tmp_path / "out.ome.zarr")
    out = zarr.open_group(tmp_path / "out.ome.zarr", mode="r")
    transforms = out.attrs["ome"]["multiscales"][0]["datasets"][0]["coordinateTransformations"]
    assert transforms == [{"type": "scale", "scale": [0.5, 0.5]},
                          {"type": "translation", "translation": [100.0, 250.5]}]
    with open_image(tmp_path / "out.ome.zarr") as src:
        assert src.metadata["translation"] == {"Y": 100.0, "X": 250.5}
    for name in ("out.tif", "out.ome.tif", "stack.ome.tif"):  # TIFF outputs kept no position
        if name == "stack.ome.tif":  # a stack: each OME plane at its own depth
            src_path = tmp_path / "stack.tif"
            tifffile.imwrite(src_path, np.stack([noisy, noisy]), imagej=True,
                             resolution=(2.0, 2.0), metadata={
                                 "axes": "ZYX", "unit": "um", "spacing": 3.0,
                                 "xorigin": -501.0, "yorigin": -200.0, "zorigin": -2.0})
            with open_image(src_path) as src:  # ImageJ's origin: pixels, the other way round
                assert src.metadata["translation"] == pytest.approx(
                    {"Z": 6.0, "Y": 100.0, "X": 250.5})
        else:
            src_path = tmp_path / "tile.ome.zarr"
        gray_model.denoise(src_path, output=tmp_path / name)
        with open_image(tmp_path / name) as src:
            want = {"Y": 100.0, "X": 250.5, **({"Z": 6.0} if "stack" in name else {})}
            assert src.metadata["translation"] == pytest.approx(want), name
        if name == "stack.ome.tif":
            with tifffile.TiffFile(tmp_path / name) as tif:
                assert [p["PositionZ"] for p in tifffile.xml2dict(tif.ome_metadata)["OME"][
                    "Image"]["Pixels"]["Plane"]] == pytest.approx([6.0, 9.0])


@pytest.mark.parametrize("detail", ["no", "false", 1, 0.0])
def test_detail_must_be_a_bool(tmp_path, noisy_pair, gray_model, detail):
    with pytest.raises(ConfigError, match=rf"detail must be True, False or None \(got "
                                          rf"{detail!r}\).*--no-detail"):
        gray_model.denoise(noisy_pair[1], "YX", detail=detail)
    with pytest.raises(ConfigError, match="detail must be True, False or None"):
        open_denoise(gray_model, noisy_pair[1], tmp_path / "o.zarr", "YX", detail=detail)
    assert _listing(tmp_path) == []
    with pytest.raises(ConfigError, match="detail must be True, False or None"):
        quality_report(noisy_pair[1], noisy_pair[1], detail=detail)
    gray_model.denoise(noisy_pair[1], "YX", detail=np.False_)  # numpy's bools are bools
