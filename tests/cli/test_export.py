"""`napari-sdap export`: a bioimage.io package from a model file and a sample image."""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cli_fixtures import digest, model_file_fixture, write_stack  # noqa: F401

import napari_sdap
from napari_sdap.cli import main

if not os.environ.get("CI"):  # CI installs the [bmz] extra: a missing library must fail there
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")


@pytest.fixture(name="stacks")
def stacks_fixture(tmp_path: Path) -> list[Path]:
    """Two noisy 64 x 64 ZYX stacks (the tiny model's package needs tiles of 42 pixels)."""
    paths = [tmp_path / f"cell{i}.tif" for i in range(2)]
    for i, p in enumerate(paths):
        write_stack(p, seed=10 * i, planes=2, size=64)
    return paths


def test_export_writes_a_package_that_passes_the_bioimageio_test(
        model_file: Path, stacks: list[Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bioimageio.core import load_description, test_model

    out = tmp_path / "pkg.zip"
    before = digest(stacks[0])
    code = main(["export", str(model_file), str(out), "--sample", str(stacks[0]),
                 "--author", "Ada Lovelace", "--author", "Alan Turing", "--name", "cells",
                 "--cite", "My paper 2026", "10.1234/abcd"])
    printed = capsys.readouterr().err
    assert code == 0 and f"wrote {out}" in printed and "bioimageio test" in printed
    assert digest(stacks[0]) == before  # the sample is only read
    summary = test_model(out, devices=["cpu"])
    assert summary.status == "passed", summary.format()
    d = load_description(out)
    assert [a.name for a in d.authors] == ["Ada Lovelace", "Alan Turing"] and d.name == "cells"
    assert str(d.cite[1].doi) == "10.1234/abcd"
    model = napari_sdap.load_model(model_file)
    back = napari_sdap.load_model(out)
    x = np.load(zipfile.ZipFile(out).open("test_input.npy"))[0, 0]
    np.testing.assert_array_equal(back.denoise(x, "YX"), model.denoise(x, "YX"))


def test_export_refuses_an_existing_package_and_a_missing_sample(
        model_file: Path, stacks: list[Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pkg.zip"
    out.write_bytes(b"old")
    code = main(["export", str(model_file), str(out), "--sample", str(stacks[0])])
    err = capsys.readouterr().err
    assert code == 2 and "already exists" in err and "overwrite" in err
    assert out.read_bytes() == b"old"
    assert main(["export", str(model_file), str(out), "--sample", str(stacks[0]),
                 "--overwrite", "-q"]) == 0
    assert zipfile.is_zipfile(out)
    assert main(["export", str(model_file), str(tmp_path / "b.zip")]) == 2
    assert "--sample" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cell0.tif", "cell1.tif", "pkg.zip"]


def test_a_sample_smaller_than_the_smallest_tile_is_refused(
        model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "small.tif"
    write_stack(small, seed=1, planes=1, size=40)
    code = main(["export", str(model_file), str(tmp_path / "p.zip"), "--sample", str(small)])
    err = capsys.readouterr().err
    import napari_sdap
    from napari_sdap.api.bmz.build import output_halo
    from napari_sdap.infer.refine import REPAIR_HALO

    model = napari_sdap.load_model(model_file)
    halo = output_halo(model, model.resolve_mode("auto"))  # the network's and the outlier
    smallest = 2 * halo + 1 + (-(2 * halo + 1)) % model.config.inference.pd_stride  # repair's
    assert smallest > 40 and halo == 19 + REPAIR_HALO + math.ceil(3 * model.noise_curve.blur)
    assert code == 2 and f"smaller than the package's smallest tile, {smallest}x{smallest}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.tif"]


def test_export_of_a_missing_model_is_one_line(tmp_path: Path, stacks: list[Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", str(tmp_path / "none.safetensors"), str(tmp_path / "p.zip"),
                 "--sample", str(stacks[0])])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.safetensors" in err[0]
    assert not (tmp_path / "p.zip").exists()


def test_info_describes_an_exported_package(model_file: Path, stacks: list[Path],
                                            tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pkg.zip"
    assert main(["export", str(model_file), str(out), "--sample", str(stacks[0]), "-q"]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "format bioimage.io package" in text and "inference mode" in text


def test_denoise_runs_with_an_exported_package(model_file: Path, stacks: list[Path],
                                               tmp_path: Path) -> None:
    import tifffile

    pkg = tmp_path / "pkg.zip"
    assert main(["export", str(model_file), str(pkg), "--sample", str(stacks[0]), "-q"]) == 0
    out = tmp_path / "out"
    assert main(["denoise", str(stacks[0]), "--model", str(pkg), "--output", str(out),
                 "-q", "--device", "cpu"]) == 0
    got = tifffile.imread(next(out.glob("*.tif")))
    want = napari_sdap.load_model(model_file).denoise(tifffile.imread(stacks[0]), "ZYX")
    np.testing.assert_allclose(got, want, atol=1e-6)
