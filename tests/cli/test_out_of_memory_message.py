"""A file that runs the machine out of memory (a TIFF whose one compressed strip declares a
40 GB plane, a zarr array of 10^12 pixels) is one error line that says so and what to do
(regression: `error: huge.tif: MemoryError:`, a MemoryError's text being empty)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_fixtures import digest, model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


def test_memory_error_is_named_with_the_fix(stacks, model_file, tmp_path, capsys, monkeypatch):
    import napari_sdap.cli.denoise as cli_denoise

    real = cli_denoise.denoise_file

    def runs_out(task, progress):
        if Path(task.input).name == "cell1.tif":
            raise MemoryError()
        return real(task, progress)

    monkeypatch.setattr(cli_denoise, "denoise_file", runs_out)
    before = {p: digest(p) for p in stacks}
    out = tmp_path / "out"
    code = main(["denoise", *map(str, stacks), "--model", str(model_file), "--output", str(out),
                 "--device", "cpu", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    line = next(x for x in err.splitlines() if "cell1.tif" in x)
    assert "out of memory (MemoryError)" in line and "needs more memory than is free" in line
    assert "MemoryError: " not in line
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["cell1_sdap.tif"]
    assert entry["status"] == "failed" and entry["error"].startswith("out of memory")
    assert not (out / "cell1_sdap.tif").exists()
    assert (out / "cell0_sdap.tif").exists() and (out / "cell2_sdap.tif").exists()
    assert {p: digest(p) for p in stacks} == before
