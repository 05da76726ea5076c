"""Edges of a `denoise` run: `--mode student` with a model that has no student is one CLI line
before any folder or record is made (it made both, then named the Python option
`student=True`); a killed `--workers` run's scratch of another file is removed by the next run."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main


def test_student_mode_without_a_student_is_refused_before_any_work(tmp_path, capsys):
    import napari_sdap

    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    model = napari_sdap.train(image, preset="tiny", steps=2, width=8, blocks=1, stride=2,
                              device="cpu", student=False)
    model.save(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    code = main(["denoise", str(tmp_path / "a.tif"), "--model", str(tmp_path / "m.safetensors"),
                 "--mode", "student", "-o", str(out), "--device", "cpu", "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "--mode student needs a model with a distilled student" in err
    assert "--no-student" in err and "student=True" not in err
    # the other modes still run
    assert main(["denoise", str(tmp_path / "a.tif"), "--model", str(tmp_path / "m.safetensors"),
                 "--mode", "bsn", "-o", str(out), "--device", "cpu", "--threads", "1"]) == 0


def test_a_killed_runs_scratch_of_another_file_is_removed(tmp_path, capsys):
    """A `--workers` run killed mid-file leaves `.<name>.parts.zarr`; a rerun naming other files
    removed only their own, and the killed file's scratch stayed (up to the file's size)."""
    import napari_sdap

    image = np.random.default_rng(1).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "b.tif", image)
    model = napari_sdap.train(image, preset="tiny", steps=2, width=8, blocks=1, stride=2,
                              device="cpu")
    model.save(tmp_path / "m.safetensors")
    out = tmp_path / "out"
    stale = out / ".big_sdap.parts.zarr"
    (stale / "0").mkdir(parents=True)
    (out / "keep.txt").write_text("a user's file")
    assert main(["denoise", str(tmp_path / "b.tif"), "--model", str(tmp_path / "m.safetensors"),
                 "-o", str(out), "--device", "cpu", "--threads", "1"]) == 0
    capsys.readouterr()
    assert not stale.exists() and (out / "keep.txt").exists() and (out / "b_sdap.tif").exists()
