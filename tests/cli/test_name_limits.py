"""Output names near the file-name limit: the names written next to an output count too."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)

from napari_sdap.cli import main
from napari_sdap.cli.plan import name_problem


def _inputs(raw, *stems):
    raw.mkdir()
    img = np.random.default_rng(2).normal(0.5, 0.1, (40, 40)).astype(np.float32)
    for stem in stems:
        tifffile.imwrite(raw / f"{stem}.tif", img)


def test_an_output_name_without_room_for_its_check_is_refused_alone(model_file, tmp_path,
                                                                    capsys):
    """An output name of 248-255 bytes was allowed, and the batch then stopped ("unexpected
    error", and on every rerun) removing its stale `<output>.qc.json`, over 255 bytes."""
    raw, out = tmp_path / "raw", tmp_path / "o"
    _inputs(raw, "A" * 240, "z")  # output name 249 bytes; its check's 257
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1"]
    for _ in range(2):  # and the rerun
        assert main(args) == 1
        err = capsys.readouterr().err
        assert "unexpected" not in err
        assert "is 249 bytes long" in err and "at most 247 bytes for the output name" in err
    assert sorted(p.name for p in out.iterdir()) == ["sdap_run.json", "z_sdap.tif"]


@pytest.mark.parametrize(("size", "fits"), [(247, True), (248, False)])
def test_the_longest_companion_name_counts(size, fits):
    name = "b" * (size - len("_sdap.tif")) + "_sdap.tif"
    problem = name_problem(name)
    assert (problem is None) == fits
    if problem:
        assert "at most 247 bytes" in problem
