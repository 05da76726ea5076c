"""CLI batches, round 2: mixed 2-D/3-D training, inputs never written, retraining, bad numbers."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tifffile

from napari_sdap.cli import main
from napari_sdap.errors import AxesError
from napari_sdap.paths import sha256_file

from .helpers import digest, folder_state, noisy, quick_train

SRC = str(Path(__file__).resolve().parents[2] / "src")
FAST = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1", "--batch-size", "2",
        "--patch-size", "32", "--stride", "2", "--device", "cpu", "--threads", "1", "--quiet"]


def _tif(path: Path, shape: tuple[int, ...], axes: str, seed: int = 0) -> Path:
    tifffile.imwrite(path, noisy(shape, seed=seed), imagej=True, metadata={"axes": axes})
    return path


def _zarr(path: Path, shape: tuple[int, ...], axes: str) -> Path:
    import zarr

    z = zarr.open_array(str(path), mode="w", shape=shape, dtype="float32", zarr_format=2)
    z[:] = noisy(shape)
    z.attrs["axes"] = axes
    return path


def _record(folder: Path) -> dict:
    return json.loads((folder / "sdap_run.json").read_text())


def _one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert all(w in lines[0] for w in words), lines[0]


# -- YX images, ZYX stacks and TYX series train one 2-D model ------------------------

@pytest.fixture
def mixed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    return raw, {"plane.tif": _tif(raw / "plane.tif", (40, 40), "YX", 1),
                 "stack.tif": _tif(raw / "stack.tif", (3, 40, 40), "ZYX", 2),
                 "series.tif": _tif(raw / "series.tif", (2, 40, 40), "TYX", 3)}


def test_denoise_train_on_yx_zyx_and_tyx_files_gives_one_model(mixed, tmp_path):
    raw, files = mixed
    before = folder_state(raw)
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--train", "--output", str(out), *FAST]) == 0
    from napari_sdap import load_model

    model = load_model(out / "sdap_model.safetensors")
    assert sorted(t.split(":")[0] for t in model.record.trained_on) == sorted(files)
    for name, path in files.items():
        result = out / name.replace(".", "_sdap.")
        with tifffile.TiffFile(path) as a, tifffile.TiffFile(result) as b:
            assert (b.series[0].shape, b.series[0].axes) == (a.series[0].shape, a.series[0].axes)
    assert folder_state(raw) == before


def test_train_on_a_yx_and_a_zyx_file(mixed, tmp_path):
    _, files = mixed
    out = tmp_path / "m.safetensors"
    assert main(["train", str(files["plane.tif"]), str(files["stack.tif"]), "--model", str(out),
                 *FAST]) == 0
    assert out.is_file()


def test_the_api_takes_one_axes_string_per_image():
    model = quick_train([noisy((40, 40)), noisy((2, 40, 40), seed=1)], ["YX", "ZYX"])
    assert model.record.trained_on == ["YX [40, 40]", "ZYX [2, 40, 40]"]
    with pytest.raises(AxesError, match="got 1 axes strings for 2 image"):
        quick_train([noisy((40, 40)), noisy((2, 40, 40))], ["YX"])


def test_training_files_with_other_channels_are_refused_by_name(tmp_path, capsys):
    a = _tif(tmp_path / "gray.tif", (40, 40), "YX")
    b = _tif(tmp_path / "two.tif", (2, 40, 40), "CYX")
    out = tmp_path / "m.safetensors"
    assert main(["train", str(a), str(b), "--model", str(out), *FAST]) == 2
    _one_error_line(capsys.readouterr().err, "same channels", "gray.tif", "two.tif", "CYX")
    assert not out.exists()


# -- no command writes over (or into) its inputs -------------------------------------

@pytest.mark.parametrize("how", ["same", "symlink", "dotdot", "image-in-folder", "in-zarr"])
def test_a_model_path_onto_an_input_is_refused(tmp_path, capsys, how):
    raw = tmp_path / "raw"
    raw.mkdir()
    img = _tif(raw / "img.tif", (40, 40), "YX")
    _tif(raw / "other.tif", (40, 40), "YX", 1)
    store = _zarr(raw / "s.zarr", (40, 40), "YX")
    inputs, model = {
        "same": ([img], img),
        "symlink": ([img], tmp_path / "link.safetensors"),
        "dotdot": ([img], raw / ".." / "raw" / "img.tif"),
        "image-in-folder": ([raw], raw / "other.tif"),  # a folder's image is an input too
        "in-zarr": ([store], store / "m.safetensors"),
    }[how]
    if how == "symlink":
        model.symlink_to(img)
    before = folder_state(raw)
    assert main(["train", *map(str, inputs), "--model", str(model), "--overwrite", *FAST]) == 2
    _one_error_line(capsys.readouterr().err, "--model", "never writes over its inputs")
    assert folder_state(raw) == before and digest(img) == before["img.tif"]


@pytest.mark.parametrize("where", ["store", "inside-store"])
def test_an_output_folder_in_a_zarr_input_is_refused(tmp_path, model_file, capsys, where):
    store = _zarr(tmp_path / "s.zarr", (40, 40), "YX")
    out = store if where == "store" else store / "out"
    before = folder_state(store)
    assert main(["denoise", str(store), "--model", str(model_file), "--output", str(out),
                 "--device", "cpu", "--quiet"]) == 2
    _one_error_line(capsys.readouterr().err, "--output", "never writes over its inputs")
    assert folder_state(store) == before and not (store / "out").exists()


# -- re-running denoise --train after the inputs changed -----------------------------

@pytest.mark.parametrize("change", ["added", "changed", "options"])
def test_rerun_after_the_training_set_changed_refuses_naming_retrain(trained, capsys, change):
    raw, out, args = trained
    capsys.readouterr()
    if change == "added":
        _tif(raw / "c2.tif", (2, 40, 40), "ZYX", 7)
    elif change == "changed":
        _tif(raw / "c1.tif", (2, 40, 40), "ZYX", 9)
    else:
        args = [*args, "--seed", "5"]
    before = folder_state(out)
    assert main(args) == 2
    err = capsys.readouterr().err
    _one_error_line(err, "--retrain", "sdap_model.safetensors", "2 output(s)", "--model")
    if change == "options":  # which option, from what to what
        assert "training options changed: seed 0 -> 5" in err
    assert folder_state(out) == before  # old model, outputs and record untouched


def test_retrain_keeps_the_old_model_and_its_outputs(trained):
    raw, out, args = trained
    old_sha = sha256_file(out / "sdap_model.safetensors")
    old = {p.name: digest(p) for p in out.glob("*_sdap.tif")}
    _tif(raw / "c2.tif", (2, 40, 40), "ZYX", 7)
    assert main([*args, "--retrain"]) == 0
    kept = out / "sdap_previous" / old_sha[:12]
    assert sha256_file(kept / "sdap_model.safetensors") == old_sha
    assert {name: digest(kept / name) for name in old} == old
    new_sha = sha256_file(out / "sdap_model.safetensors")
    rec, kept_rec = _record(out), _record(kept)
    assert new_sha != old_sha and rec["trained_model"]["previous"][0]["sha256"] == old_sha
    assert sorted(rec["files"]) == ["c0_sdap.tif", "c1_sdap.tif", "c2_sdap.tif"]
    assert {e["model_sha256"] for e in rec["files"].values()} == {new_sha}
    assert {e["model_sha256"] for e in kept_rec["files"].values()} == {old_sha}
    assert main([*args, "--retrain"]) == 0  # nothing changed now: reused, nothing moved
    assert sorted(p.name for p in (out / "sdap_previous").iterdir()) == [old_sha[:12]]


def test_retrain_without_train_is_refused(trained, capsys):
    raw, out, _ = trained
    other = out.parent / "other"
    assert main(["denoise", str(raw), "--model", str(out / "sdap_model.safetensors"),
                 "--output", str(other), "--retrain", "--quiet"]) == 2
    _one_error_line(capsys.readouterr().err, "--retrain goes with --train")
    assert not (other / "c0_sdap.tif").exists()


# -- items 15 and 17: numbers are checked before anything starts -----------------------------

def _numeric_flags(command: str) -> list[str]:
    """Every option of `command` that takes a typed value (so a new one is covered too), less
    the paths and the scheduler address (`arg_types.path`, `file_path`, `address`, which only
    refuse an empty one)."""
    from napari_sdap.cli.arg_types import address, file_path, path
    from napari_sdap.cli.parser import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [a.option_strings[0] for a in sub.choices[command]._actions
            if a.option_strings and a.type not in (None, path, file_path, address)]


_VALID = {("--seed", "0"), ("--series", "0"), ("--split-mpix", "1.5"), ("--time-budget", "1.5"),
          ("--target-blur", "0"), ("--target-blur", "1.5"), ("--noise-std", "1.5"),
          ("--noise-std", "0"),  # refused by the config: test_noise_options.py
          *((f, v) for f in ("--noise-gain", "--noise-offset") for v in ("0", "1.5")),
          ("--noise-offset", "-1")}
_CASES = [(c, f, v) for c in ("train", "denoise") for f in _numeric_flags(c)
          for v in ("inf", "nan", "-1", "0", "1e300", "99999999999", "1.5") if (f, v) not in _VALID]


@pytest.mark.parametrize(("command", "flag", "value"), _CASES)
def test_bad_numbers_exit_2_with_one_line_before_anything_starts(tmp_path, capsys, command, flag,
                                                                 value):
    img = _tif(tmp_path / "img.tif", (40, 40), "YX")
    target = tmp_path / ("m.safetensors" if command == "train" else "out")
    where = ["--model", str(target)] if command == "train" else ["--train", "--output", str(target)]
    assert main([command, str(img), *where, flag, value]) == 2
    _one_error_line(capsys.readouterr().err, f"argument {flag}", repr(value))
    assert not target.exists()


def test_a_failure_after_the_run_started_marks_the_record_failed(tmp_path, model_file,
                                                                 monkeypatch):
    img = _tif(tmp_path / "img.tif", (40, 40), "YX")
    out = tmp_path / "out"
    from napari_sdap.cli import cluster
    from napari_sdap.errors import ConfigError

    def unreachable(*args, **kwargs):
        raise ConfigError("cannot reach the dask scheduler at tcp://nowhere:1")

    monkeypatch.setattr(cluster, "connect", unreachable)
    assert main(["denoise", str(img), "--model", str(model_file), "--output", str(out),
                 "--scheduler", "tcp://nowhere:1", "--device", "cpu", "--quiet"]) == 2
    assert _record(out)["runs"][-1]["status"] == "failed"


@pytest.mark.parametrize("flag", ["--threads", "--workers"])
def test_threads_or_workers_beyond_the_machine_exit_cleanly(tmp_path, model_file, flag):
    img = _tif(tmp_path / "img.tif", (40, 40), "YX")
    cmd = [sys.executable, "-m", "napari_sdap.cli", "denoise", str(img), "--model",
           str(model_file), "--output", str(tmp_path / "out"), "--device", "cpu", flag, "100000"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": SRC})
    assert proc.returncode == 2, proc.stderr[-2000:]  # a segfault would be negative
    _one_error_line(proc.stderr, f"argument {flag}", "CPU cores")
    assert not (tmp_path / "out").exists()
