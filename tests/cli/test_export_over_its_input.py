"""`napari-sdap export m.zip m.zip --overwrite` (and `model.export_bmz` over the file the model
was loaded from, by name or through a link) is refused: an export never replaces its input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from cli_fixtures import digest, model_file_fixture, write_stack  # noqa: F401

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.errors import OutputError

if not os.environ.get("CI"):  # CI installs the [bmz] extra: a missing library must fail there
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")


@pytest.fixture(name="package", scope="module")
def package_fixture(model_file: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> tuple[Path, Path]:
    """(package exported from the tiny model, its sample stack)."""
    folder = tmp_path_factory.mktemp("pkg")
    sample = folder / "cell.tif"
    write_stack(sample, seed=1, planes=2, size=64)
    pkg = napari_sdap.load_model(model_file).export_bmz(folder / "m.zip", sample=sample)
    return pkg, sample


def test_cli_export_of_a_package_onto_itself_is_refused(
        package: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    pkg, sample = package
    before = digest(pkg)
    code = main(["export", str(pkg), str(pkg), "--sample", str(sample), "--overwrite"])
    err = capsys.readouterr().err
    assert code != 0 and "loaded from" in err and "Traceback" not in err, err
    assert digest(pkg) == before
    assert not [p for p in pkg.parent.iterdir() if ".partial" in p.name]


def test_cli_export_of_a_link_to_the_package_onto_it_is_refused(
        package: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg, sample = package
    before = digest(pkg)
    link = tmp_path / "link.zip"
    link.symlink_to(pkg)
    code = main(["export", str(link), str(pkg), "--sample", str(sample), "--overwrite"])
    assert code != 0 and "loaded from" in capsys.readouterr().err
    assert digest(pkg) == before


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted"])
def test_api_export_over_the_file_it_was_loaded_from_is_refused(
        package: tuple[Path, Path], tmp_path: Path, how: str) -> None:
    pkg, sample = package
    before = digest(pkg)
    model = napari_sdap.load_model(pkg)
    target = {"same": pkg, "dotted": pkg.parent / "." / pkg.name}.get(how, tmp_path / "o.zip")
    if how == "symlink":  # a link to the package, loaded through: its target is the input
        target.symlink_to(pkg)
        model = napari_sdap.load_model(target)
        target = pkg
    elif how == "hardlink":
        os.link(pkg, target)
    with pytest.raises(OutputError, match="loaded from"):
        model.export_bmz(target, sample=sample, overwrite=True)
    assert digest(pkg) == before


def test_api_export_of_a_loaded_model_to_another_name_still_works(
        model_file: Path, tmp_path: Path) -> None:
    model = napari_sdap.load_model(model_file)
    img = np.random.default_rng(0).normal(0.5, 0.1, (64, 64)).astype(np.float32)
    out = model.export_bmz(tmp_path / "other.zip", sample=img)
    assert out.is_file() and model_file.is_file()


def test_a_package_deleted_since_it_was_loaded_can_be_written_again(
        package: tuple[Path, Path], tmp_path: Path) -> None:
    pkg, sample = package
    copy = tmp_path / "m.zip"
    copy.write_bytes(pkg.read_bytes())
    model = napari_sdap.load_model(copy)
    copy.unlink()  # nothing of the input left to replace
    assert model.export_bmz(copy, sample=sample) == copy and copy.is_file()
