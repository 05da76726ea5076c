"""`--retrain` stopped after it made `sdap_previous/<sha12>/` and wrote its record there, but
before it moved anything: the rerun left that folder behind, holding a record of outputs it
never received, and set the old model aside in `<sha12>-2`. A folder holding nothing but its
record is now taken again."""

from __future__ import annotations

from pathlib import Path

from napari_sdap.cli.record import RunRecord
from napari_sdap.cli.retrain import PREVIOUS, set_aside

SHA = "ab" * 32


def _batch(outdir: Path) -> tuple[RunRecord, Path]:
    record, out = RunRecord(outdir), outdir / "a_sdap.tif"
    out.write_bytes(b"result")
    record.update(out, status="done", input_fingerprint={"size": 1, "mtime_ns": 1},
                  model_sha256=SHA, settings_key="k")
    model = outdir / "sdap_model.safetensors"
    model.write_bytes(b"old model")
    return record, model


def test_a_folder_left_with_only_its_record_is_taken_again(tmp_path: Path) -> None:
    record, model = _batch(tmp_path)
    stale = tmp_path / PREVIOUS / SHA[:12]
    stale.mkdir(parents=True)
    RunRecord(stale).save()  # what the stopped run left
    note = set_aside(record, tmp_path, model, {"sha256": SHA}, ["a_sdap.tif"])
    assert note["folder"] == f"{PREVIOUS}/{SHA[:12]}"
    assert sorted(p.name for p in stale.iterdir()) == [
        "a_sdap.tif", "sdap_model.safetensors", "sdap_run.json"]
    assert not (tmp_path / PREVIOUS / f"{SHA[:12]}-2").exists()
    assert RunRecord(stale).files["a_sdap.tif"]["output"] == str(stale / "a_sdap.tif")


def test_a_folder_holding_earlier_outputs_is_kept(tmp_path: Path) -> None:
    record, model = _batch(tmp_path)
    taken = tmp_path / PREVIOUS / SHA[:12]
    taken.mkdir(parents=True)
    (taken / "b_sdap.tif").write_bytes(b"an earlier set-aside output")
    note = set_aside(record, tmp_path, model, {"sha256": SHA}, ["a_sdap.tif"])
    assert note["folder"] == f"{PREVIOUS}/{SHA[:12]}-2"
    assert sorted(p.name for p in taken.iterdir()) == ["b_sdap.tif"]
