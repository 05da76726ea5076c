"""What the CLI says: `info`, `denoise --model` and `export` about paths that are not model
files, the command `export` suggests for a package path with spaces, an unavailable device, and
the option that keeps planes of an unknown kind."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
import zarr
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401 (fixture)

from napari_sdap.cli import main


def _info(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    return err


def test_a_zarr_store_given_as_the_model_is_called_an_image(tmp_path, capsys):
    """Regression: it was told to give 'the .safetensors file inside it'."""
    store = tmp_path / "cells.zarr"
    zarr.create_array(store, shape=(8, 8), dtype="uint16")
    assert "is a zarr image store, not a model file; give the model (.safetensors) with " \
           "--model" in _info(store, capsys)
    plain = tmp_path / "data"  # a zarr store whatever its name
    zarr.create_array(plain, shape=(8, 8), dtype="uint16")
    assert "zarr image store" in _info(plain, capsys)


def test_a_folder_given_as_the_model_names_the_models_it_holds(tmp_path, model_file, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert "holds no .safetensors file" in _info(out, capsys)
    (out / "sdap_model.safetensors").write_bytes(model_file.read_bytes())
    assert f"give the path of the model file inside it ({out / 'sdap_model.safetensors'})" \
        in _info(out, capsys)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_given_as_the_model_is_not_called_missing(capsys):
    err = _info(Path("/dev/null"), capsys)
    assert "is not a regular file" in err and "does not exist" not in err


def test_export_suggests_a_command_that_runs_for_a_path_with_spaces(model_file, tmp_path,
                                                                    capsys):
    pytest.importorskip("bioimageio.core")
    sample = tmp_path / "cell.tif"
    write_stack(sample, seed=1, planes=2, size=64)
    out = tmp_path / "my packages" / "cells é.zip"
    out.parent.mkdir()
    assert main(["export", str(model_file), str(out), "--sample", str(sample)]) == 0
    err = capsys.readouterr().err
    assert f"check it with: bioimageio test {shlex.quote(str(out))}" in err
    assert shlex.split(err.split("check it with: ")[1])[2] == str(out)


def test_export_takes_a_series_of_a_sample_holding_several(model_file, tmp_path, capsys):
    """Regression: a multi-series sample was refused with 'CLI: --series N', an option export
    did not have."""
    pytest.importorskip("bioimageio.core")
    import tifffile

    sample = tmp_path / "multi.ome.tif"
    planes = [write_stack(tmp_path / f"s{k}.tif", seed=k, planes=2, size=64) for k in (1, 2)]
    with tifffile.TiffWriter(sample, ome=True) as tif:
        for stack in planes:
            tif.write(stack, metadata={"axes": "ZYX"})
    out = tmp_path / "pkg.zip"
    assert main(["export", str(model_file), str(out), "--sample", str(sample)]) == 2
    assert "--series N" in capsys.readouterr().err and not out.exists()
    assert main(["export", str(model_file), str(out), "--sample", str(sample),
                 "--series", "1"]) == 0
    assert out.is_file()


def test_a_device_this_machine_lacks_is_one_error_before_any_work(model_file, tmp_path,
                                                                  capsys):
    """Regression: `--device cuda:7` failed file by file (an error line each, exit 1) after
    the output folder and record were made; it is a usage problem of the whole run."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for k in range(3):
        write_stack(raw / f"c{k}.tif", seed=k, planes=1, size=32)
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(model_file), "--output", str(out),
                 "--device", "cuda:7", "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: device 'cuda:7' is not available on this machine; available: " \
                  + err.split("available: ")[1] and "\n" not in err
    assert not out.exists()


def test_planes_of_unknown_kind_for_ome_zarr_name_the_tif_format(model_file, tmp_path, capsys):
    """The refusal offered 'a plain .zarr output', which the command line cannot write; it
    names --format tif."""
    import tifffile

    raw = tmp_path / "raw"
    raw.mkdir()
    stack = write_stack(tmp_path / "s.tif", seed=2, planes=3, size=32)
    with tifffile.TiffWriter(raw / "pages.tif") as tif:  # three pages, no metadata: S
        for plane in stack:
            tif.write(plane, metadata=None, contiguous=False)
    assert main(["denoise", str(raw), "--model", str(model_file), "--output",
                 str(tmp_path / "out"), "--format", "zarr", "--device", "cpu",
                 "--threads", "1"]) == 1
    err = capsys.readouterr().err
    assert "--axes ZYX or TYX" in err and "(command line: --format tif)" in err
