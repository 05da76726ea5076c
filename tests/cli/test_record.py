"""The run record: resume decisions and atomic, fail-loud saving."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from napari_sdap.cli.record import RECORD_NAME, RunRecord, file_fingerprint
from napari_sdap.errors import OutputError

FP = {"size": 10, "mtime_ns": 5}


def _done(record: RunRecord, out: Path, **changes: object) -> None:
    out.write_bytes(b"result")
    record.update(out, status="done", input_fingerprint=FP, model_sha256="m1",
                  settings_key="k1", **changes)


def test_new_output_runs(tmp_path: Path) -> None:
    v = RunRecord(tmp_path).verdict(tmp_path / "a_sdap.tif", FP, "m1", "k1", overwrite=False)
    assert (v.action, v.replace) == ("run", False)


def test_finished_and_current_is_skipped(tmp_path: Path) -> None:
    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    _done(record, out)
    assert RunRecord(tmp_path).verdict(out, FP, "m1", "k1", False).action == "skip"
    out.unlink()  # finished once, deleted since: made again
    assert RunRecord(tmp_path).verdict(out, FP, "m1", "k1", False).action == "run"


@pytest.mark.parametrize(("fp", "sha", "key", "why"), [
    ({"size": 11, "mtime_ns": 5}, "m1", "k1", "input changed"),
    (FP, "m2", "k1", "another model"),
    (FP, "m1", "k2", "settings changed"),
])
def test_stale_output_needs_overwrite(tmp_path: Path, fp: dict, sha: str, key: str,
                                      why: str) -> None:
    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    _done(record, out)
    v = record.verdict(out, fp, sha, key, overwrite=False)
    assert v.action == "refuse" and why in v.reason and "--overwrite" in v.reason
    v = record.verdict(out, fp, sha, key, overwrite=True)
    assert (v.action, v.replace) == ("run", True)


def test_foreign_existing_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "a_sdap.tif"
    out.write_bytes(b"someone else's")
    v = RunRecord(tmp_path).verdict(out, FP, "m1", "k1", overwrite=False)
    assert v.action == "refuse" and "not in the run record" in v.reason


def test_a_file_at_an_unfinished_entry_is_ours_only_by_its_attempt(tmp_path: Path) -> None:
    """A file there that the attempt did not write (the user's) was replaced without
    --overwrite; an output of the attempt itself (killed after the rename, before the record
    said done) is redone."""
    import numpy as np
    import tifffile

    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    tifffile.imwrite(out, np.ones((4, 4), np.float32), imagej=True,
                     metadata={"Info": json.dumps({"run": {"attempt": "t1"}})})
    record.update(out, status="interrupted", input_fingerprint=FP, model_sha256="m1",
                  settings_key="k1", attempt="t1")
    v = record.verdict(out, FP, "m1", "k1", False)
    assert (v.action, v.replace) == ("run", True)
    record.update(out, status="failed", attempt="t2")  # another attempt's: not this file
    v = record.verdict(out, FP, "m1", "k1", False)
    assert v.action == "refuse" and "napari-sdap did not write it" in v.reason
    assert "lists it as failed" in v.reason and "--overwrite" in v.reason
    assert record.verdict(out, FP, "m1", "k1", True).replace is True


def test_runs_and_interrupted_status(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.start_run(["napari-sdap", "denoise"])
    record.update(tmp_path / "a_sdap.tif", status="running")
    record.finish_run("interrupted", denoised=0)
    data = json.loads((tmp_path / RECORD_NAME).read_text())
    assert data["runs"][-1]["status"] == "interrupted"
    assert data["files"]["a_sdap.tif"]["status"] == "interrupted"
    assert [p.name for p in tmp_path.iterdir()] == [RECORD_NAME]  # no temporaries left


def test_unreadable_record_is_reported(tmp_path: Path) -> None:
    (tmp_path / RECORD_NAME).write_text("{not json")
    with pytest.raises(OutputError, match="unreadable"):
        RunRecord(tmp_path)


@pytest.mark.parametrize("text", ['{"files": {}, "runs": {}}', '{"files": {"a_sdap.tif": "done"}}',
                                  '{"files": {}, "runs": ["x"]}', '["files"]', '{"files": []}',
                                  '{"files": {}, "trained_model": {"inputs": []}}'])
def test_a_record_of_the_wrong_shape_is_unreadable(tmp_path: Path, text: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Valid JSON of another shape ended in "unexpected error ... please report it", or was
    silently replaced by a fresh record; it is refused like a record that is not JSON."""
    from napari_sdap.cli import main

    (tmp_path / RECORD_NAME).write_text(text)
    with pytest.raises(OutputError, match=r"unreadable .*; move it away"):
        RunRecord(tmp_path)
    (tmp_path / "in.npy").write_bytes(b"")
    assert main(["denoise", str(tmp_path / "in.npy"), "--train", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is unreadable" in err and "move it away" in err and "unexpected" not in err
    assert (tmp_path / RECORD_NAME).read_text() == text


def test_unwritable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"Permission denied.*make the folder writable"):
        RunRecord(tmp_path).save()


def test_fingerprint_of_zarr_folder(tmp_path: Path) -> None:
    z = tmp_path / "a.zarr"
    (z / "0").mkdir(parents=True)
    (z / "0" / "c").write_bytes(b"1234")
    assert file_fingerprint(z)["size"] == 4


def test_a_killed_run_is_closed_by_the_next(tmp_path: Path) -> None:
    """A run killed with -9 stayed `running` in the record, and the next run's end marked its
    files `failed` (error null) although it never touched them."""
    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    record.start_run(["napari-sdap", "denoise"])
    record.update(out, status="running")
    record = RunRecord(tmp_path)  # the next run, after the kill
    record.start_run(["napari-sdap", "denoise", "b.tif"])
    record.finish_run("finished", denoised=0)
    runs, entry = record.data["runs"], record.files["a_sdap.tif"]
    assert [r["status"] for r in runs] == ["interrupted", "finished"]
    assert "killed" in runs[0]["note"] and entry["status"] == "interrupted"


def test_a_killed_redo_leaves_the_finished_output_finished(tmp_path: Path) -> None:
    """A run killed before it replaced a finished output left the entry `running` for the new
    model: the next run's `--train` no longer counted the output as made with the old model
    (and retrained over it), and another model replaced it without --overwrite."""
    from napari_sdap.cli.retrain import made_with

    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    _done(record, out)
    record.start_file(out, model_sha256="m2", settings_key="k1")  # then killed
    record = RunRecord(tmp_path)
    assert made_with(record, tmp_path, "m1") == []  # what `made_with` saw before
    record.close_killed()
    assert record.files[out.name]["status"] == "done"
    assert made_with(record, tmp_path, "m1") == [out.name]
    assert record.files[out.name]["last_attempt"]["model_sha256"] == "m2"
    v = record.verdict(out, FP, "m2", "k1", overwrite=False)
    assert v.action == "refuse" and "made with another model" in v.reason


def test_an_output_changed_by_hand_after_a_killed_redo_is_refused(tmp_path: Path) -> None:
    import os

    record, out = RunRecord(tmp_path), tmp_path / "a_sdap.tif"
    _done(record, out)
    record.start_file(out, model_sha256="m2", settings_key="k1")  # then killed, and the
    out.write_bytes(b"edited in Fiji")  # output re-saved by hand
    os.utime(out, ns=(1, 10**18))
    record = RunRecord(tmp_path)
    record.close_killed()
    v = record.verdict(out, FP, "m2", "k1", overwrite=False)
    assert v.action == "refuse" and "changed after napari-sdap wrote it" in v.reason
    assert record.verdict(out, FP, "m2", "k1", overwrite=True).action == "run"


def test_an_output_of_another_input_names_it(tmp_path: Path) -> None:
    record, out = RunRecord(tmp_path), tmp_path / "img_0_sdap.tif"
    _done(record, out, input="zin/img.ome.zarr/0")
    v = record.verdict(out, {"size": 1, "mtime_ns": 1}, "m1", "k1", overwrite=False,
                       source="raw/img_0.tif")
    assert v.action == "refuse" and "made from another input, zin/img.ome.zarr/0" in v.reason
