"""`napari-sdap denoise`: outputs, run record, resume and the data-safety rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import tifffile
from cli_fixtures import digest, model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main

TINY = ["--preset", "tiny", "--steps", "3", "--width", "8", "--blocks", "1"]


def _run(stacks: list[Path], model: Path, out: Path, *extra: str) -> int:
    return main(["denoise", str(stacks[0].parent), "--model", str(model), "--output", str(out),
                 "--device", "cpu", *extra])


def _record(out: Path) -> dict:
    return json.loads((out / "sdap_run.json").read_text())


def test_batch_writes_outputs_with_metadata_and_record(stacks, model_file, tmp_path, capsys):
    before = {p: digest(p) for p in stacks}
    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 0
    from napari_sdap.api import load_model

    model = load_model(model_file)
    for p in stacks:
        o = out / f"{p.stem}_sdap.tif"
        with tifffile.TiffFile(o) as tf:
            data = tf.asarray()
            assert tf.series[0].axes == "ZYX"
            assert tf.pages[0].tags["XResolution"].value == pytest.approx((4, 1), rel=1e-3)
            assert tf.imagej_metadata["spacing"] == pytest.approx(0.5)
        assert data.dtype == np.float32
        np.testing.assert_allclose(data, model.denoise(tifffile.imread(p), "ZYX"), atol=1e-5)
    assert {p: digest(p) for p in stacks} == before  # inputs untouched
    rec = _record(out)
    assert rec["runs"][-1]["status"] == "finished"
    entry = rec["files"]["cell1_sdap.tif"]
    assert entry["status"] == "done" and entry["input"] == str(stacks[1])
    assert entry["model_sha256"] == rec["runs"][-1]["model_sha256"]
    assert rec["runs"][-1]["settings"]["network"]["width"] == 8
    assert sorted(os.listdir(out)) == ["cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif",
                                      "sdap_run.json"]  # no temporaries left


def test_no_detail_gives_the_network_output_and_is_a_new_setting(stacks, model_file, tmp_path,
                                                                  capsys):
    from napari_sdap.api import load_model

    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 0
    capsys.readouterr()
    assert _run(stacks, model_file, out, "--no-detail") == 1  # other settings: refused ...
    assert "the settings changed" in capsys.readouterr().err
    assert _run(stacks, model_file, out, "--no-detail", "--overwrite") == 0  # ... unless asked
    model = load_model(model_file)
    assert model.noise_curve is not None
    model.config.inference.restore_detail = False
    got = tifffile.imread(out / "cell0_sdap.tif")
    np.testing.assert_allclose(got, model.denoise(tifffile.imread(stacks[0]), "ZYX"), atol=1e-5)
    assert _record(out)["runs"][-1]["settings"]["inference"]["restore_detail"] is False


def test_flips_average_the_network_and_are_a_new_setting(stacks, model_file, tmp_path, capsys):
    from napari_sdap.api import load_model

    out = tmp_path / "out"
    assert _run(stacks, model_file, out, "--flips", "4") == 0
    model = load_model(model_file)
    got = tifffile.imread(out / "cell0_sdap.tif")
    image = tifffile.imread(stacks[0])
    np.testing.assert_allclose(got, model.denoise(image, "ZYX", flips=4), atol=1e-7, rtol=0)
    assert np.abs(got - model.denoise(image, "ZYX")).max() > 1e-5  # a 3-step model: near flip
    # symmetric already
    assert _record(out)["runs"][-1]["settings"]["inference"]["flips"] == 4
    capsys.readouterr()
    assert _run(stacks, model_file, out) == 1  # one pass is another setting
    assert "the settings changed" in capsys.readouterr().err
    assert _run(stacks, model_file, out, "--flips", "3") == 2  # one line naming the counts
    assert "--flips: must be 1, 2, 4 or 8 (got '3')" in capsys.readouterr().err


def test_rerun_skips_finished_outputs(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 0
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*_sdap.tif")}
    os.utime(stacks[2], ns=(1, 1))  # this input "changed"
    capsys.readouterr()
    assert _run(stacks, model_file, out, "--overwrite") == 0
    assert "1 to denoise, 2 already done" in capsys.readouterr().err
    assert out.joinpath("cell0_sdap.tif").stat().st_mtime_ns == mtimes[out / "cell0_sdap.tif"]
    assert out.joinpath("cell2_sdap.tif").stat().st_mtime_ns != mtimes[out / "cell2_sdap.tif"]


def test_changed_input_without_overwrite_is_refused(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 0
    os.utime(stacks[1], ns=(1, 1))
    capsys.readouterr()
    assert _run(stacks, model_file, out) == 1
    err = capsys.readouterr().err
    assert f"error: {stacks[1]}: output {out / 'cell1_sdap.tif'} is out of date (the input " \
           f"changed)" in err


def test_corrupted_file_in_the_middle(stacks, model_file, tmp_path, capsys):
    bad = stacks[0].parent / "cell1b.tif"  # sorts between cell1 and cell2
    bad.write_bytes(stacks[0].read_bytes()[:2000])  # truncated mid-pixel data
    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 1
    err = capsys.readouterr().err
    bad_lines = [line for line in err.splitlines() if str(bad) in line]
    assert len(bad_lines) == 1 and bad_lines[0].startswith(f"error: {bad}: ")
    assert "Traceback" not in err
    for p in stacks:  # the files after it were still done
        assert (out / f"{p.stem}_sdap.tif").is_file()
    assert not (out / "cell1b_sdap.tif").exists()
    rec = _record(out)
    assert rec["files"]["cell1b_sdap.tif"]["status"] == "failed"
    assert rec["runs"][-1]["status"] == "failed" and rec["runs"][-1]["failed"] == 1
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_wrong_axes_fail_per_file(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(stacks, model_file, out, "--axes", "TZYX") == 1
    lines = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 3 and all("TZYX" in line for line in errors)
    assert not list(out.glob("*_sdap.tif"))


def test_existing_output_not_ours_is_kept(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "cell0_sdap.tif"
    mine.write_bytes(b"someone's result")
    assert _run(stacks, model_file, out) == 1
    assert "not in the run record" in capsys.readouterr().err
    assert mine.read_bytes() == b"someone's result"
    assert (out / "cell1_sdap.tif").is_file()
    assert _run(stacks, model_file, out, "--overwrite") == 0
    assert tifffile.imread(mine).shape == (3, 40, 40)


def test_missing_model_is_one_line(stacks, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(stacks, tmp_path / "nope.safetensors", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: model file {tmp_path / 'nope.safetensors'} does not exist; "
                   f"check the path"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores folder permissions")
def test_read_only_output_folder(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert _run(stacks, model_file, out) == 2
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "make the folder writable" in err[0]
    assert list(out.iterdir()) == []


def test_output_folder_is_a_file(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.write_bytes(b"x")
    assert _run(stacks, model_file, out) == 2
    assert "is a file; give a folder" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["result.tif", "result.ome.zarr", "result.TIFF"])
def test_output_named_like_an_image_is_refused(stacks, model_file, tmp_path, capsys, name):
    out = tmp_path / name
    assert _run(stacks, model_file, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "named like an image" in err[0]
    assert f"--output {tmp_path / 'result'}" in err[0]
    assert not out.exists()


def test_existing_folder_named_like_an_image_is_used(stacks, model_file, tmp_path):
    out = tmp_path / "run.tif"
    out.mkdir()  # made by the user on purpose
    assert _run(stacks[:1], model_file, out) == 0
    assert (out / "cell0_sdap.tif").is_file()


def test_zarr_output(stacks, model_file, tmp_path):
    import zarr

    out = tmp_path / "out"
    assert _run(stacks[:1], model_file, out, "--format", "zarr") == 0
    group = zarr.open_group(str(out / "cell0_sdap.ome.zarr"), mode="r")
    ref = tifffile.imread(stacks[0])
    assert group["0"].shape == ref.shape


def test_train_then_denoise_and_resume(stacks, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["denoise", str(stacks[0].parent), "--train", "--output", str(out), "--device", "cpu",
            "--train-max-files", "2", *TINY]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "noise looks" in err and "3 to denoise" in err
    model = out / "sdap_model.safetensors"
    rec = _record(out)
    assert rec["trained_model"]["sha256"] == rec["runs"][-1]["model_sha256"]
    assert len(rec["trained_model"]["inputs"]) == 2
    mtime = model.stat().st_mtime_ns
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "reusing" in err and "0 to denoise, 3 already done" in err
    assert model.stat().st_mtime_ns == mtime


def test_tile_option(stacks, model_file, tmp_path):
    from napari_sdap.api import load_model

    out = tmp_path / "out"
    assert _run(stacks[:1], model_file, out, "--tile", "16", "--mode", "sdap") == 0
    rec = _record(out)
    assert rec["runs"][-1]["settings"]["tiling"]["tile"] == 16
    assert rec["runs"][-1]["settings"]["inference"]["mode"] == "sdap"
    ref = load_model(model_file).denoise(tifffile.imread(stacks[0]), "ZYX", mode="sdap")
    np.testing.assert_allclose(tifffile.imread(out / "cell0_sdap.tif"), ref, atol=1e-5)


def test_compile_option_is_recorded_and_harmless_on_cpu(stacks, model_file, tmp_path):
    from napari_sdap.api import load_model

    out = tmp_path / "out"
    assert _run(stacks[:1], model_file, out, "--compile") == 0  # torch.compile is CUDA-only
    assert _record(out)["runs"][-1]["settings"]["tiling"]["compile"] is True
    ref = load_model(model_file).denoise(tifffile.imread(stacks[0]), "ZYX")
    np.testing.assert_allclose(tifffile.imread(out / "cell0_sdap.tif"), ref, atol=1e-5)


def test_an_imagej_hyperstack_goes_to_ome_zarr_and_its_check(tmp_path, capsys):
    """ImageJ stores TZCYX; `--format zarr` refused it (OME-Zarr is TCZYX). It is stored in
    OME's order now, and the quality check reads it back in the input's order."""
    import napari_sdap
    from napari_sdap.io.readers import open_image

    raw = tmp_path / "raw"
    raw.mkdir()
    img = np.random.default_rng(0).poisson(30, (2, 2, 2, 32, 32)).astype(np.uint16)
    tifffile.imwrite(raw / "h.tif", img, imagej=True, resolution=(2, 2),
                     metadata={"axes": "TZCYX", "spacing": 2.0, "unit": "um", "finterval": 0.5})
    model = napari_sdap.train(img, axes="TZCYX", preset="tiny", steps=2, width=8, blocks=1,
                              student=False, device="cpu")
    model.save(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    assert main(["denoise", str(raw), "--model", str(tmp_path / "m.safetensors"), "--output",
                 str(out), "--format", "zarr", "--qc", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "quality check failed" not in err and "error" not in err
    with open_image(out / "h_sdap.ome.zarr") as src:
        assert src.axes == "TCZYX" and src.shape == (2, 2, 2, 32, 32)
        assert src.scale == pytest.approx({"T": 0.5, "Z": 2.0, "Y": 0.5, "X": 0.5})
        expected = model.denoise(img, axes="TZCYX").transpose(0, 2, 1, 3, 4)
        np.testing.assert_allclose(np.asarray(src.array[...]), expected, atol=1e-4)
    assert _record(out)["files"]["h_sdap.ome.zarr"]["qc"]["ok"] in (True, False)


def test_an_image_unlike_the_training_data_is_named_in_a_warning_and_the_record(
        stacks, model_file, tmp_path, capsys):
    """The intensity warning was one bare line without the file's name, and not recorded."""
    odd = tmp_path / "raw" / "odd.tif"
    tifffile.imwrite(odd, tifffile.imread(stacks[0]) * 2.5 + 1, imagej=True,
                     metadata={"axes": "ZYX"})
    out = tmp_path / "out"
    assert _run(stacks, model_file, out, "--quiet") == 0  # a warning, not a failure
    err = capsys.readouterr().err.strip().splitlines()
    warned = [line for line in err if line.startswith("warning:")]
    assert len(warned) == 1 and warned[0].startswith(f"warning: {odd}: this image does not "
                                                     f"look like the data the model was")
    files = _record(out)["files"]
    assert "does not look like" in files["odd_sdap.tif"]["warning"]
    assert files["cell0_sdap.tif"]["warning"] is None


def test_an_array_inside_a_zarr_group_is_an_input(model_file, tmp_path, capsys):
    """The error on a group of arrays says "open the array itself, e.g. grp.zarr/b"; that path
    was then refused ("folder holds no images", "unsupported file type")."""
    import zarr

    group = zarr.open_group(tmp_path / "grp.zarr", mode="w")
    img = np.random.default_rng(2).normal(0.5, 0.1, (40, 40)).astype(np.float32)
    for name in ("b", "a"):
        group.create_array(name, data=img)
    out = tmp_path / "out"
    args = ["denoise", "--model", str(model_file), "--output", str(out), "--device", "cpu"]
    assert main([*args[:1], str(tmp_path / "grp.zarr"), *args[1:]]) == 1
    assert "open the array itself, e.g. " + str(tmp_path / "grp.zarr" / "a") in \
        capsys.readouterr().err  # the first array, always the same one
    assert main([*args[:1], str(tmp_path / "grp.zarr" / "a"), *args[1:]]) == 0
    assert tifffile.imread(out / "grp_a_sdap.tif").shape == (40, 40)
    # the same array name in two stores: two outputs (both were `a_sdap.tif`, refused)
    other = zarr.open_group(tmp_path / "other.ome.zarr", mode="w")
    other.create_array("a", data=img)
    assert main([*args[:1], str(tmp_path / "grp.zarr" / "a"), str(tmp_path / "other.ome.zarr/a"),
                 *args[1:]]) == 0
    assert (out / "other_a_sdap.tif").exists()


def test_leftovers_of_a_killed_run_go_whatever_the_name(model_file, tmp_path):
    """A name with brackets made the clean-up's pattern a character class: the temporary of a
    killed run stayed; an output set aside by a killed --overwrite is put back."""
    from napari_sdap.cli.plan import remove_leftovers

    out = tmp_path / "b[1]_sdap.tif"
    (tmp_path / ".b[1]_sdap.tif.partial-1234abcd.zarr").mkdir()
    (tmp_path / ".b[1]_sdap.tif.old-5678abcd").write_bytes(b"the earlier output")
    remove_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b[1]_sdap.tif"]
    assert out.read_bytes() == b"the earlier output"


def test_long_names_are_denoised_or_refused_one_by_one(model_file, tmp_path, capsys):
    """A file whose name left no room for its temporaries stopped the whole batch."""
    raw = tmp_path / "raw"
    raw.mkdir()
    img = np.random.default_rng(2).normal(0.5, 0.1, (40, 40)).astype(np.float32)
    for name in ("y" * 235, "z" * 248, "a"):
        tifffile.imwrite(raw / f"{name}.tif", img)
    args = ["denoise", str(raw), "--model", str(model_file), "--output", str(tmp_path / "o"),
            "--device", "cpu", "--workers", "0"]
    assert main([a for a in args if a not in ("--workers", "0")]) == 1
    err = capsys.readouterr().err
    assert "over the 255 a file name may have" in err and "unexpected" not in err
    assert sorted(p.name for p in (tmp_path / "o").glob("*.tif")) == [
        "a_sdap.tif", "y" * 235 + "_sdap.tif"]


def test_bad_axes_are_a_usage_error_before_anything_is_made(model_file, tmp_path, capsys):
    """`--axes QYX` failed file by file (exit 1), after the output folder and record were
    made."""
    img = tmp_path / "a.tif"
    tifffile.imwrite(img, np.zeros((8, 8), np.float32))
    for bad in ("QYX", "ZZYX", "ZY"):
        assert main(["denoise", str(img), "--model", str(model_file), "--output",
                     str(tmp_path / "o"), "--axes", bad]) == 2
        err = capsys.readouterr().err
        assert "must be axes letters from STCZYX" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_home_folder_in_an_option_is_expanded(model_file, tmp_path, capsys, monkeypatch):
    """`--output=~/out` (no shell expansion after `=`) made a literal `./~` folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path)
    img = tmp_path / "home" / "a.tif"
    tifffile.imwrite(img, np.random.default_rng(0).normal(0.5, 0.1, (40, 40)).astype("f4"))
    assert main(["denoise", "~/a.tif", "--model", str(model_file), "--output=~/out",
                 "--device", "cpu"]) == 0
    assert (tmp_path / "home" / "out" / "a_sdap.tif").exists()
    assert not (tmp_path / "~").exists()
