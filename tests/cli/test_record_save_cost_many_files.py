"""The run record of a batch of many files: saved twice per file, it must not re-encode every
entry and run each time (a batch of N files cost N² in JSON encoding: 400 files spent half
their time, 2000 files longer than the denoising, writing `sdap_run.json`; a folder rerun by
cron every 5 minutes for a month, 8640 runs, 1.2 s a save), and it must still be the same
JSON as before, whatever changed in it and however it was changed."""

from __future__ import annotations

import json
from pathlib import Path

from napari_sdap.cli.record import RunRecord

_calls = {"items": 0}


class CountingEntry(dict):
    """An entry that counts how often JSON encoding walks it."""

    def items(self):  # type: ignore[override]
        _calls["items"] += 1
        return super().items()


def _entry(i: int) -> CountingEntry:
    return CountingEntry(status="done", input=f"/data/f{i:05d}.tif", shape=[32, 32],
                         input_fingerprint={"size": 1280 + i, "mtime_ns": 10**18 + i},
                         seconds=0.05, model_sha256="ab" * 32, earlier_attempts=[])


def _expected(record: RunRecord) -> str:
    return json.dumps(record.data, indent=1, sort_keys=True) + "\n"


def test_a_save_encodes_only_the_entries_that_changed(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    record.data["runs"].append({"status": "running", "command": ["napari-sdap", "denoise"]})
    for i in range(500):
        record.files[f"f{i:05d}_sdap.tif"] = _entry(i)
    record.save()
    assert record.path.read_text() == _expected(record)

    before = _calls["items"]
    record.update(tmp_path / "f00007_sdap.tif", status="running", attempt="tok")
    record.update(tmp_path / "f00007_sdap.tif", status="done", seconds=0.06)
    assert _calls["items"] - before <= 2  # the changed entry, once per save (was 500 each)
    text = record.path.read_text()
    assert json.loads(text)["files"]["f00007_sdap.tif"]["status"] == "done"
    _calls["items"] = 0
    assert text == _expected(record)


def test_a_save_encodes_only_the_runs_that_changed(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    for i in range(300):  # earlier reruns of the command (a cron job)
        record.data["runs"].append(CountingEntry(status="finished", denoised=0, skipped=i,
                                                 command=["napari-sdap", "denoise", "raw"]))
    record.start_run(["napari-sdap", "denoise", "raw"], cwd="/data")
    assert record.path.read_text() == _expected(record)
    before = _calls["items"]
    record.update(tmp_path / "new_sdap.tif", status="running")
    record.finish_run("finished", denoised=1)
    assert _calls["items"] - before == 0  # was 300 per save
    text = record.path.read_text()
    _calls["items"] = 0
    assert text == _expected(record)
    runs = json.loads(text)["runs"]
    assert len(runs) == 301 and runs[-1]["status"] == "finished" and runs[-1]["denoised"] == 1


def test_changes_made_in_place_outside_the_record_are_written(tmp_path: Path) -> None:
    record = RunRecord(tmp_path)
    for i in range(5):
        record.files[f"f{i}_sdap.tif"] = dict(_entry(i))
    record.save()
    record.files["f1_sdap.tif"]["input_fingerprint"]["size"] = 7  # nested, in place
    record.files["f2_sdap.tif"]["earlier_attempts"].append("tok")
    del record.files["f3_sdap.tif"]
    record.files["é\udce9 new\n.tif"] = {"status": "running", "x": None}
    record.data["trained_model"] = {"files": {}, "runs": [], "path": "sdap_model.safetensors"}
    record.data["runs"] = [{"status": "running", "n": 1}, {"status": "finished"}]
    record.save()
    text = record.path.read_text()
    assert text == _expected(record)
    back = json.loads(text)
    assert back["files"]["f1_sdap.tif"]["input_fingerprint"]["size"] == 7
    assert back["files"]["f2_sdap.tif"]["earlier_attempts"] == ["tok"]
    assert "f3_sdap.tif" not in back["files"]
    assert back["trained_model"] == {"files": {}, "runs": [], "path": "sdap_model.safetensors"}
    record.data["runs"][0]["status"] = "interrupted"
    record.data["runs"].pop()
    record.save()
    assert record.path.read_text() == _expected(record)
    text = record.path.read_text()

    again = RunRecord(tmp_path)  # a rerun reads it back and writes the same text
    again.save()
    assert again.path.read_text() == text
    record.files.clear()
    record.data["runs"].clear()
    record.save()
    assert record.path.read_text() == _expected(record)
