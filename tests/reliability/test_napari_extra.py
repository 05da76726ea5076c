"""napari: `pip install napari-sdap[napari]` (what the README says) gives a plugin that works,
its default `.ome.zarr` output included, without the `ome-zarr` package."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import napari_sdap
from napari_sdap._napari.widget_denoise import DenoiseWidget

from .helpers import noisy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_ome_zarr(monkeypatch):
    """The `ome-zarr` package is not installed (as with `pip install napari-sdap[napari]`)."""
    for name in [m for m in sys.modules if m.startswith("ome_zarr.")] + ["ome_zarr"]:
        monkeypatch.setitem(sys.modules, name, None)


def test_default_denoise_without_ome_zarr_gives_a_result_layer(make_napari_viewer, qtbot,
                                                                gray_model, cache, no_ome_zarr):
    viewer = make_napari_viewer()
    stack = noisy((3, 32, 32))
    viewer.add_image(stack, name="stack")
    widget = DenoiseWidget(viewer)
    widget.session.set_model(gray_model, "test")
    widget.device.setCurrentText("cpu")
    widget.start()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)
    assert widget.outcome == "done", widget.status.text()
    assert widget.output_path.name.endswith(".sdap.ome.zarr")
    np.testing.assert_allclose(np.asarray(viewer.layers["stack [SDAP]"].data),
                               gray_model.denoise(stack, "ZYX", device="cpu"), atol=1e-4)


def test_ome_zarr_output_without_ome_zarr_matches_the_library(tmp_path, gray_model, model_file,
                                                              no_ome_zarr, monkeypatch):
    """The API and the CLI write `.ome.zarr` with zarr alone, as the ome-zarr library would."""
    import tifffile
    import zarr

    from napari_sdap.cli import main
    from napari_sdap.io.outputs import open_output

    units = {"T": "second", "Z": "micrometer", "Y": "micrometer", "X": "furlong"}
    scale = {"T": 2.0, "Z": 3.0, "Y": 0.5, "X": 0.5}
    image = noisy((3, 40, 40))
    out = gray_model.denoise(image, "ZYX", output=tmp_path / "api.ome.zarr", device="cpu")
    with open_output(tmp_path / "t.ome.zarr", (2, 1, 4, 4), axes="TZYX", scale=scale,
                     units=units) as sink:
        sink.array[:] = 1
    np.testing.assert_allclose(np.asarray(out), gray_model.denoise(image, "ZYX", device="cpu"),
                               atol=1e-4)
    tifffile.imwrite(tmp_path / "cells.tif", image, imagej=True, metadata={"axes": "ZYX"})
    assert main(["denoise", str(tmp_path / "cells.tif"), "--model", str(model_file), "--output",
                 str(tmp_path / "cli"), "--format", "zarr", "--device", "cpu"]) == 0
    cli = zarr.open_group(str(tmp_path / "cli" / "cells_sdap.ome.zarr"), mode="r")
    assert cli.attrs["ome"]["version"] == "0.5" and cli["0"].shape == image.shape
    ours = zarr.open_group(str(tmp_path / "t.ome.zarr"), mode="r").attrs["ome"]
    monkeypatch.undo()  # the reference: what the ome-zarr library writes, when installed
    from extras import needs

    needs("ome_zarr", "ome")
    from ome_zarr.axes import KNOWN_SPATIAL_UNITS, KNOWN_TEMPORAL_UNITS
    from ome_zarr.format import CurrentFormat
    from ome_zarr.writer import write_multiscales_metadata

    from napari_sdap.io.ome import UNITS

    assert (UNITS["space"], UNITS["time"]) == (set(KNOWN_SPATIAL_UNITS), set(KNOWN_TEMPORAL_UNITS))
    ref = zarr.open_group(str(tmp_path / "ref.zarr"), mode="w", zarr_format=3)
    write_multiscales_metadata(ref, ours["multiscales"][0]["datasets"], CurrentFormat(),
                               axes=[{"name": a, "type": t} for a, t in
                                     zip("tzyx", ["time", "space", "space", "space"], strict=True)],
                               axes_units={"t": "second", "z": "micrometer", "y": "micrometer"},
                               name=ours["multiscales"][0]["name"])
    assert ours == ref.attrs["ome"]  # the unknown unit 'furlong' is left out


OPTIONAL = {"bioimageio": "bmz"}
"""Imports of optional plugin features -> the extra that installs them (the feature raises an
error naming it when missing)."""


def _plugin_imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported (anywhere, functions included) by the plugin and
    every napari_sdap module it reaches -> the modules that import them."""
    src = ROOT / "src"
    todo = [f"napari_sdap._napari.{p.stem}" for p in (src / "napari_sdap/_napari").glob("*.py")]
    todo += list(set(napari_sdap._LAZY.values()))  # `from napari_sdap import train` etc.
    seen: set[str] = set()
    found: dict[str, set[str]] = {}
    while todo:
        name = todo.pop()
        path = src.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if name in seen or not path.exists():
            continue
        seen.add(name)
        todo += [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for full in names:
                top = full.partition(".")[0]
                if top == "napari_sdap":
                    todo.append(full)
                elif top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, set()).add(name)
    return found


def _installed_by(requirements: list[str]) -> set[str]:
    """Distributions `pip install` of `requirements` brings (from the installed metadata)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo = [(Requirement(r), "") for r in requirements]
    have: set[str] = set()
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        for wanted in ["", *sorted(req.extras)]:  # the base requirements, then the extras
            key = f"{canonicalize_name(req.name)}[{wanted}]"
            if key in have:
                continue
            have.add(key)
            try:
                todo += [(Requirement(r), wanted) for r in md.requires(req.name) or []]
            except md.PackageNotFoundError:
                pass
    return {k.partition("[")[0] for k in have}


def test_the_napari_extra_installs_every_import_of_the_plugin():
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = _installed_by(project["dependencies"]
                              + project["optional-dependencies"]["napari"])
    imports = _plugin_imports()
    assert {"napari", "qtpy", "zarr", "torch"} <= set(imports)  # the scan sees the plugin
    by_module = md.packages_distributions()
    missing = {top: sorted(users) for top, users in imports.items()
               if top not in OPTIONAL
               and not {canonicalize_name(d) for d in by_module.get(top, [])} & installed}
    assert not missing, f"imported but not installed by napari-sdap[napari]: {missing}"


def test_optional_features_of_the_plugin_name_their_extra_when_missing(monkeypatch):
    """Export to bioimage.io needs the [bmz] extra: without it the button's error says so."""
    import importlib.util

    from napari_sdap.api.bmz.export import require_bioimageio
    from napari_sdap.errors import InputError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("bioimageio") else real(name, *a))
    with pytest.raises(InputError, match=re.escape("napari-sdap[bmz]")):
        require_bioimageio()
    assert set(OPTIONAL.values()) <= set(tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["optional-dependencies"])
