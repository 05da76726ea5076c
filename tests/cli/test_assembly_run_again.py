"""The assembly (and pieces) of a split file run again by dask after it had finished (`--workers
--split-mpix`): its worker died before the client fetched the result, which dask then
recomputes.

Regression: the second run found the scratch zarr deleted by the first and failed with
'FileNotFoundError: out/.f6_sdap.tif.parts.zarr does not exist': the file was reported failed
while its complete output lay in place (seen with a real `kill -9`). An assembly that finds
its output written by its own attempt and no scratch returns that output's result (a piece,
its planes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401 (fixture)

from napari_sdap.cli.jobs import FileTask
from napari_sdap.cli.ownership import new_attempt
from napari_sdap.cli.pieces import assemble, create_scratch, denoise_range, split_ranges
from napari_sdap.errors import OutputError


def _pieces(task: FileTask, shape, axes):
    axis, ranges = split_ranges(shape, axes, 40 * 40, workers=1)
    scratch = create_scratch(task.output, shape, axes, axis)
    return axis, scratch, [denoise_range(task, axis, a, b, scratch) for a, b in ranges]


def test_an_assembly_run_again_returns_the_finished_output(model_file, tmp_path):
    stack = write_stack(tmp_path / "s.tif", seed=2, planes=3)
    task = FileTask(input=str(tmp_path / "s.tif"), output=str(tmp_path / "s_sdap.tif"),
                    model_path=str(model_file), model_sha256=_sha(model_file), device="cpu",
                    provenance={"attempt": new_attempt()})
    axis, scratch, parts = _pieces(task, stack.shape, "ZYX")
    first = assemble(task, axis, scratch, *parts)
    written = Path(task.output).read_bytes()
    again = assemble(task, axis, scratch, *parts)  # the same task, as dask runs it again
    assert Path(task.output).read_bytes() == written
    assert again["shape"] == first["shape"] == [3, 40, 40] and again["axes"] == "ZYX"
    # the assembly's result and a piece's were both on the worker that died: dask runs the
    # piece again first (its scratch is gone), then the assembly
    _, ranges = split_ranges(stack.shape, "ZYX", 40 * 40, workers=1)
    redone = [denoise_range(task, axis, a, b, scratch) for a, b in ranges]
    assert sum(p["planes"] for p in redone) == 3
    assert assemble(task, axis, scratch, *redone)["shape"] == [3, 40, 40]
    assert Path(task.output).read_bytes() == written


def test_without_its_scratch_an_output_of_another_attempt_is_not_taken(model_file, tmp_path):
    stack = write_stack(tmp_path / "s.tif", seed=2, planes=3)
    common = {"input": str(tmp_path / "s.tif"), "output": str(tmp_path / "s_sdap.tif"),
              "model_path": str(model_file), "model_sha256": _sha(model_file),
              "device": "cpu"}
    task = FileTask(**common, provenance={"attempt": new_attempt()})
    axis, scratch, parts = _pieces(task, stack.shape, "ZYX")
    assemble(task, axis, scratch, *parts)
    written = Path(task.output).read_bytes()
    other = FileTask(**common, provenance={"attempt": new_attempt()})
    with pytest.raises(OutputError, match="already exists"):
        assemble(other, axis, scratch, *parts)
    assert Path(task.output).read_bytes() == written


def _sha(path) -> str:
    from napari_sdap.paths import sha256_file

    return sha256_file(path)
