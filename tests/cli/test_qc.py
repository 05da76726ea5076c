"""`napari-sdap denoise --qc`: a JSON and a PNG next to every output, written atomically."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture, smooth_image, write_stack  # noqa: F401 (fixture)

from napari_sdap.cli import main
from napari_sdap.qc import SCHEMA


def _inputs(tmp_path: Path, names: tuple[str, ...] = ("a", "b")) -> list[Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    paths = [raw / f"{name}.tif" for name in names]
    for k, p in enumerate(paths):
        write_stack(p, seed=k, planes=2, size=48)
    return paths


def _run(inputs: list[Path], model: Path, out: Path, *extra: str) -> int:
    return main(["denoise", str(inputs[0].parent), "--model", str(model), "--output", str(out),
                 "--device", "cpu", "--qc", *extra])


def test_qc_writes_json_and_png_next_to_each_output(model_file, tmp_path, capsys):
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _run(inputs, model_file, out) == 0
    assert sorted(os.listdir(out)) == [
        "a_sdap.tif", "a_sdap.tif.qc.json", "a_sdap.tif.qc.png",
        "b_sdap.tif", "b_sdap.tif.qc.json", "b_sdap.tif.qc.png", "sdap_run.json"]
    data = json.loads((out / "a_sdap.tif.qc.json").read_text())
    assert data["schema"] == SCHEMA and data["axes"] == "ZYX" and data["shape"] == [2, 48, 48]
    assert len(data["residual_correlation_x"]) == 4 and len(data["noise_correlation_y"]) == 4
    assert data["bands"] and all(b["noise_std"] > 0 for b in data["bands"])
    assert 0 <= data["restore"]["fraction"] <= 1 and data["reference"] is None
    assert isinstance(data["ok"], bool) and isinstance(data["flags"], list)
    assert (out / "a_sdap.tif.qc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["a_sdap.tif"]
    assert entry["qc"]["json"] == str(out / "a_sdap.tif.qc.json")
    assert "quality check" in capsys.readouterr().err


def test_reference_file_adds_psnr_and_ssim(model_file, tmp_path, capsys):
    inputs = _inputs(tmp_path, ("a",))
    clean = np.stack([smooth_image((48, 48), seed=k) for k in range(2)]).astype(np.float32)
    ref = tmp_path / "clean.tif"
    tifffile.imwrite(ref, clean)
    out = tmp_path / "out"
    assert _run(inputs, model_file, out, "--reference", str(ref)) == 0
    data = json.loads((out / "a_sdap.tif.qc.json").read_text())
    assert data["reference"]["psnr"] > 0 and -1 <= data["reference"]["ssim"] <= 1
    assert data["reference"]["psnr_input"] > 0


def test_a_failing_check_leaves_no_partial_file(model_file, tmp_path, monkeypatch, capsys):
    from napari_sdap.qc import figure

    def broken(fig, path):
        Path(path).write_bytes(b"half a png")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(figure, "save_png", broken)
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _run(inputs, model_file, out) == 1  # the outputs are fine, the checks asked for not
    assert sorted(os.listdir(out)) == ["a_sdap.tif", "b_sdap.tif", "sdap_run.json"]
    err = capsys.readouterr().err
    assert "quality check failed" in err and "Input/output error" in err
    assert "2 denoised, 0 skipped (already done), 0 failed, 2 quality check(s) failed" in err
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["a_sdap.tif"]
    assert entry["status"] == "done" and "Input/output error" in entry["qc"]["error"]


def test_missing_matplotlib_is_a_clear_error_before_any_work(model_file, tmp_path, monkeypatch,
                                                             capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _run(inputs, model_file, out) == 2
    err = capsys.readouterr().err
    assert "matplotlib" in err and "napari-sdap[qc]" in err
    assert not out.exists()


def test_reference_needs_qc_and_must_exist(model_file, tmp_path, capsys):
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    code = main(["denoise", str(inputs[0].parent), "--model", str(model_file), "--output",
                 str(out), "--reference", str(inputs[0])])
    assert code == 2 and "add --qc" in capsys.readouterr().err
    assert _run(inputs, model_file, out, "--reference", str(tmp_path / "nope.tif")) == 2
    assert "does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.tif"
    broken.write_bytes(b"II*\x00" + b"\xff" * 40)  # found before any file is denoised
    assert _run(inputs, model_file, out, "--reference", str(broken)) == 2
    err = capsys.readouterr().err
    assert f"--reference {broken} cannot be read" in err and len(err.strip().splitlines()) == 1
    assert not list(out.glob("*_sdap.tif"))


def test_zarr_outputs_get_their_check_next_to_the_store(model_file, tmp_path, capsys):
    inputs = _inputs(tmp_path, ("a",))
    out = tmp_path / "out"
    assert _run(inputs, model_file, out, "--format", "zarr", "--no-detail") == 0
    assert (out / "a_sdap.ome.zarr").is_dir()
    data = json.loads((out / "a_sdap.ome.zarr.qc.json").read_text())
    assert data["shape"] == [2, 48, 48] and (out / "a_sdap.ome.zarr.qc.png").is_file()
    assert any("without the detail restore" in note for note in data["notes"])


def test_pictures_in_place_are_denoised_and_their_qc_figures_never_taken_for_inputs(tmp_path):
    import imagecodecs

    import napari_sdap

    raw = tmp_path / "pics"
    raw.mkdir()
    noise = np.random.default_rng(0).normal(0, 5, (48, 48))
    img = np.clip(smooth_image((48, 48)) * 200 + 20 + noise, 0, 255).astype(np.uint8)
    imagecodecs.imwrite(raw / "a.png", img)
    imagecodecs.imwrite(raw / "b.jpg", img, level=95)
    model_file = napari_sdap.train(img, preset="tiny", steps=3, width=8, blocks=1, stride=2,
                                   device="cpu").save(tmp_path / "pictures.safetensors")
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(raw),
            "--device", "cpu", "--qc"]
    assert main(args) == 0
    made = sorted(p.name for p in raw.iterdir())
    assert "a_sdap.tif.qc.png" in made and "b_sdap.tif.qc.png" in made
    assert tifffile.imread(raw / "a_sdap.tif").shape == img.shape
    assert main(args) == 0  # the re-run skips both and reads no figure as a new input
    assert sorted(p.name for p in raw.iterdir()) == made
    record = json.loads((raw / "sdap_run.json").read_text())
    assert sorted(record["files"]) == ["a_sdap.tif", "b_sdap.tif"]


def test_qc_asked_for_on_a_rerun_checks_the_outputs_done_before(model_file, tmp_path):
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    assert main(["denoise", str(inputs[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--quiet"]) == 0
    assert not list(out.glob("*.qc.json"))
    assert _run(inputs, model_file, out) == 0  # nothing to denoise, but the checks are made
    checks = sorted(out.glob("*.qc.json"))
    assert [p.name for p in checks] == ["a_sdap.tif.qc.json", "b_sdap.tif.qc.json"]
    record = json.loads((out / "sdap_run.json").read_text())
    assert all(entry["qc"]["json"] for entry in record["files"].values())
    stamps = [p.stat().st_mtime_ns for p in checks]
    assert _run(inputs, model_file, out) == 0  # checked already: not again
    assert [p.stat().st_mtime_ns for p in checks] == stamps


def test_an_output_redone_loses_its_old_check(model_file, tmp_path, capsys):
    """An output replaced with --overwrite (another model) kept the check of the one before,
    on disk and in the record."""
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _run(inputs, model_file, out) == 0
    assert (out / "a_sdap.tif.qc.json").is_file()
    args = ["denoise", *map(str, inputs), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--no-detail", "--overwrite"]  # redone, without --qc
    assert main(args) == 0
    assert not (out / "a_sdap.tif.qc.json").exists() and not (out / "a_sdap.tif.qc.png").exists()
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["a_sdap.tif"]
    assert entry["status"] == "done" and entry["qc"] is None


def test_a_reference_given_on_a_rerun_redoes_checks_made_without_it(model_file, tmp_path):
    """Regression: a rerun with --reference kept the checks made without one (no PSNR, exit 0);
    a check redone for another reference (or the same file rewritten) too; one made with a
    reference is kept by a rerun without it."""
    inputs = _inputs(tmp_path, ("a",))
    out = tmp_path / "out"
    assert _run(inputs, model_file, out, "--threads", "1") == 0
    check = out / "a_sdap.tif.qc.json"
    assert json.loads(check.read_text())["reference"] is None
    clean = np.stack([smooth_image((48, 48), seed=k) for k in range(2)]).astype(np.float32)
    ref = tmp_path / "clean.tif"
    tifffile.imwrite(ref, clean)
    assert _run(inputs, model_file, out, "--threads", "1", "--reference", str(ref)) == 0
    first = json.loads(check.read_text())["reference"]["psnr"]
    assert first > 0
    entry = json.loads((out / "sdap_run.json").read_text())["files"]["a_sdap.tif"]
    assert entry["qc"]["reference"]["path"] == str(ref.resolve())
    assert _run(inputs, model_file, out, "--threads", "1") == 0  # kept without --reference
    assert json.loads(check.read_text())["reference"]["psnr"] == first
    tifffile.imwrite(ref, clean * 0.5)  # the reference rewritten: checked again
    os.utime(ref, ns=(1, 1))
    assert _run(inputs, model_file, out, "--threads", "1", "--reference", str(ref)) == 0
    assert json.loads(check.read_text())["reference"]["psnr"] != first


def test_a_rerun_from_another_folder_keeps_the_checks(model_file, tmp_path, monkeypatch):
    """Regression: the recorded check path is relative to the first run's working folder; a
    rerun from elsewhere made every check again."""
    inputs = _inputs(tmp_path, ("a",))
    monkeypatch.chdir(tmp_path)
    assert _run([Path("raw") / "a.tif"], model_file, Path("out"), "--threads", "1") == 0
    check = tmp_path / "out" / "a_sdap.tif.qc.json"
    os.utime(check, ns=(1, 1))
    monkeypatch.chdir(tmp_path / "raw")
    assert _run(inputs, model_file, tmp_path / "out", "--threads", "1") == 0
    assert check.stat().st_mtime_ns == 1
