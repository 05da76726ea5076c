"""Training files on very different intensity scales (an 8-bit export beside a raw 16-bit frame in
one folder): the warning said "image(s) 1 reach the network far off its range ... divide image 2
by about 192", numbers of a list the command never showed (a folder or glob expands in an order
the user does not see). It names each file with its number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

from napari_sdap.cli import main


def _files(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:48]
    clean = 10 + 8 * np.exp(-((yy - 24) ** 2 + (xx - 20) ** 2) / 80.0)
    tifffile.imwrite(raw / "a_export.tif", (clean + rng.normal(0, 2, clean.shape))
                     .clip(0, 255).astype(np.uint8))
    tifffile.imwrite(raw / "b_raw16.tif", (500 + 200 * clean + rng.normal(0, 150, clean.shape))
                     .clip(0, 65535).astype(np.uint16))
    return raw


def test_the_scales_warning_names_the_training_files(tmp_path, capsys):
    raw = _files(tmp_path)
    code = main(["train", str(raw), "--model", str(tmp_path / "m.safetensors"), "--preset",
                 "tiny", "--steps", "1", "--width", "8", "--blocks", "1", "--batch-size", "2",
                 "--patch-size", "32", "--no-student", "--device", "cpu"])
    assert code == 0
    err = capsys.readouterr().err
    assert "very different intensity scales" in err, err
    assert "image 1 (a_export.tif): " in err and "image 2 (b_raw16.tif): " in err
    assert "image(s) 1 (a_export.tif) reach the network" in err
    assert "divide image 2 (b_raw16.tif) by about" in err


def test_arrays_keep_their_numbers(tmp_path, caplog):
    import napari_sdap

    raw = _files(tmp_path)
    images = [tifffile.imread(raw / n) for n in ("a_export.tif", "b_raw16.tif")]
    napari_sdap.train(images, "YX", preset="tiny", steps=1, width=8, blocks=1, batch_size=2,
                      patch_size=32, student=False, device="cpu")
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "image 1: " in text and "image(s) 1 reach the network" in text
    assert "divide image 2 by about" in text and "(" not in text.split("image 1")[1][:2]
