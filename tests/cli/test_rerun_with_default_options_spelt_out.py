"""`denoise DIR --train -o OUT` rerun with a training option spelt out at its default value
(`--precision auto`, `--check-student`, `--target-blur 0`, `--z-context 1`, `--channel-mode
auto`), or without one the first run spelt out, was refused as "training options changed:
precision (not given) -> 'auto'" although the model would be the same. Such reruns resume; an
option of another value is still refused."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import tifffile
from synthetic import noisy_sine

from napari_sdap.cli import main

_BASE = ["--preset", "tiny", "--steps", "2", "--no-student", "--device", "cpu", "-q"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "data").mkdir()
    tifffile.imwrite(root / "data" / "a.tif", (100 + 20 * noisy_sine(48)).astype(np.float32))
    return root


def _run(root, *extra):
    return main(["denoise", str(root / "data"), "--train", "-o", str(root / "out"), *_BASE,
                 *extra])


@pytest.mark.parametrize("first", [[], ["--precision", "auto", "--check-student"]])
def test_defaults_spelt_out_resume(project, capsys, first):
    out = project / "out"
    if out.exists():
        shutil.rmtree(out)
    assert _run(project, *first) == 0
    for extra in (["--precision", "auto"], ["--check-student"], ["--target-blur", "0"],
                  ["--z-context", "1"], ["--channel-mode", "auto"], []):
        capsys.readouterr()
        assert _run(project, *extra) == 0, capsys.readouterr().err
        assert "1 skipped" in capsys.readouterr().err
    assert _run(project, "--precision", "float32") == 2
    assert "precision" in capsys.readouterr().err
