"""`napari-sdap denoise raw --output raw` where `raw` holds `b.tif` and a raw image named
`b_sdap.tif`: refused ("would overwrite the input of the same name"), but an empty
`sdap_run.json` was left among the user's images (the record was saved before the check).
The folder is left as it was; a folder with an earlier record keeps it unchanged."""

from __future__ import annotations

import json

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main


def _folder(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("b.tif", "b_sdap.tif"):
        tifffile.imwrite(raw / name, np.random.default_rng(0).normal(0, 1, (24, 24))
                         .astype(np.float32))
    return raw


def _state(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_refused_output_onto_an_input_leaves_the_folder_as_it_was(model_file, tmp_path,
                                                                   capsys):
    raw = _folder(tmp_path)
    before = _state(raw)
    code = main(["denoise", str(raw), "--model", str(model_file), "--output", str(raw),
                 "--device", "cpu"])
    assert code == 2
    assert "would overwrite the input of the same name" in capsys.readouterr().err
    assert _state(raw) == before  # no sdap_run.json


def test_an_earlier_record_is_kept_unchanged(model_file, tmp_path, capsys):
    raw = _folder(tmp_path)
    (raw / "sdap_run.json").write_text(json.dumps({"files": {}, "format": 1, "runs": []}))
    before = _state(raw)
    assert main(["denoise", str(raw), "--model", str(model_file), "--output", str(raw),
                 "--device", "cpu"]) == 2
    assert _state(raw) == before
