"""A hang-up landing between the creation of the run record's temporary and its write block
left `.sdap_run.json.<random>.partial` among the outputs (seen once in a batch stopped by a
hang-up of its process group). Closing a run (stopped or not: a rerun closes its own) deletes
the record's own temporaries; other hidden files stay."""

from __future__ import annotations

from pathlib import Path

from napari_sdap.cli.record import RunRecord


def _leftovers(folder: Path) -> tuple[Path, Path]:
    stray = folder / ".sdap_run.json.ko6hezt1.partial"
    stray.write_text("{")
    other = folder / ".cell0_sdap.tif.partial-1234abcd.tif"
    other.write_text("x")
    return stray, other


def test_closing_a_run_deletes_the_records_temporaries(tmp_path):
    record = RunRecord(tmp_path)
    record.start_run(["denoise"])
    stray, other = _leftovers(tmp_path)
    record.finish_run("interrupted")
    assert not stray.exists() and other.exists()


def test_the_next_run_deletes_those_of_a_killed_one(tmp_path):
    RunRecord(tmp_path).save()
    stray, other = _leftovers(tmp_path)
    record = RunRecord(tmp_path)
    record.start_run(["denoise"])
    record.finish_run("finished")
    assert not stray.exists() and other.exists()
