"""A model trained on a file whose name is not UTF-8 (Latin-1 `caf\\xe9.tif`) recorded that
name with a lone surrogate: `napari-sdap export` (and `export_bmz`) of the model then failed
with 'unexpected error (UnicodeEncodeError)' writing the package's README. The CLI records
the name escaped (`caf\\xe9.tif`), and the README of a model recorded so before is escaped."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import tifffile
from cli_fixtures import smooth_image

from napari_sdap.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names of bytes")


def _latin1(folder) -> str:
    name = os.fsdecode(b"caf\xe9.tif")
    img = smooth_image((40, 40)) + np.random.default_rng(0).normal(0, 0.1, (40, 40))
    tifffile.imwrite(os.path.join(folder, name), img.astype(np.float32))
    return os.path.join(folder, name)


def test_the_trained_on_name_is_printable_and_the_model_exports(tmp_path, capsys):
    """Regression: the export of such a model ended in UnicodeEncodeError."""
    from napari_sdap.api import load_model

    raw = _latin1(tmp_path)
    model = tmp_path / "m.safetensors"
    assert main(["train", raw, "--model", str(model), "--preset", "tiny", "--steps", "2",
                 "--width", "8", "--blocks", "1", "--no-student", "--device", "cpu"]) == 0
    trained_on = load_model(model).record.trained_on
    assert trained_on == ["caf\\xe9.tif: YX [40, 40]"], trained_on
    code = main(["export", str(model), str(tmp_path / "pk.zip"), "--sample", raw])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "pk.zip").is_file()


def test_a_model_recorded_with_the_raw_name_still_exports(tmp_path):
    """Models trained before the fix hold the lone surrogate: their README escapes it."""
    import zipfile

    import napari_sdap

    img = smooth_image((40, 40)) + np.random.default_rng(0).normal(0, 0.1, (40, 40))
    model = napari_sdap.train(img.astype(np.float32), preset="tiny", steps=2, width=8,
                              blocks=1, student=False, device="cpu")
    model.record.trained_on = [os.fsdecode(b"caf\xe9.tif") + ": YX [40, 40]"]
    out = model.export_bmz(tmp_path / "pk.zip", sample=img.astype(np.float32), axes="YX")
    with zipfile.ZipFile(out) as z:
        readme = next(n for n in z.namelist() if n.lower().startswith("readme"))
        assert "caf\\xe9.tif" in z.read(readme).decode()
