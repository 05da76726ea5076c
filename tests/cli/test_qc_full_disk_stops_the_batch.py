"""`denoise --qc` on a full disk: the check's figure (about 270 kB, often more than the output)
is what most often finds the disk full. Its failure said "check the space and rights" and the
batch went on, denoising every later file to fail its check (or its output) alike; it now
stops the batch as an output's full disk does, and the same command resumes."""

from __future__ import annotations

import errno
import json
from pathlib import Path

from cli_fixtures import model_file_fixture, write_stack  # noqa: F401 (fixture)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main


def _setup(tmp_path: Path, monkeypatch):
    from napari_sdap.qc import figure

    raw = tmp_path / "raw"
    raw.mkdir()
    for k in range(3):
        write_stack(raw / f"s{k}.tif", seed=k, planes=1, size=40)
    calls, real = [], denoise_cmd.denoise_file

    def counted(task, progress=None):
        calls.append(Path(task.input).name)
        return real(task, progress)

    def full(fig, path):
        Path(path).write_bytes(b"half a png")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(denoise_cmd, "denoise_file", counted)
    monkeypatch.setattr(figure, "save_png", full)
    return raw, calls


def test_a_check_on_a_full_disk_stops_the_batch(model_file, tmp_path, monkeypatch, capsys):
    raw, calls = _setup(tmp_path, monkeypatch)
    out = tmp_path / "out"
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1", "--qc"]
    assert main(args) == 1
    assert calls == ["s0.tif"]  # (s1 and s2 were each denoised, their checks failing alike)
    err = capsys.readouterr().err
    assert "the disk is full" in err
    assert ("1 denoised, 0 skipped (already done), 0 failed, 1 quality check(s) failed, "
            "2 not started (the disk is full") in err
    record = json.loads((out / "sdap_run.json").read_text())["files"]
    assert record["s0_sdap.tif"]["status"] == "done"
    assert "the disk is full" in record["s0_sdap.tif"]["qc"]["error"]
    assert sorted(p.name for p in out.iterdir()) == ["s0_sdap.tif", "sdap_run.json"]


def test_the_same_command_resumes_once_space_is_freed(model_file, tmp_path, monkeypatch):
    raw, _ = _setup(tmp_path, monkeypatch)
    out = tmp_path / "out"
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1", "--qc"]
    assert main(args) == 1
    monkeypatch.undo()  # space freed
    assert main(args) == 0
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.endswith("_sdap.tif")] == [f"s{k}_sdap.tif" for k in range(3)]
    assert [n for n in names if n.endswith(".qc.json")] == [
        f"s{k}_sdap.tif.qc.json" for k in range(3)]


def test_checks_of_earlier_outputs_stop_at_a_full_disk(model_file, tmp_path, monkeypatch, capsys):
    from napari_sdap.qc import figure

    raw = tmp_path / "raw"
    raw.mkdir()
    for k in range(3):
        write_stack(raw / f"s{k}.tif", seed=k, planes=1, size=40)
    out = tmp_path / "out"
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1"]
    assert main(args) == 0  # done without --qc; the checks are asked for on a full disk
    drawn = []

    def full(fig, path):
        drawn.append(path)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(figure, "save_png", full)
    assert main([*args, "--qc"]) == 1  # no traceback: reported once, the rest left
    assert len(drawn) == 1
    assert "the disk is full" in capsys.readouterr().err
