"""`napari-sdap train --dims 3 --z-step N`, and the fixes a too-thin stack names in CLI words.

Before: the CLI had no `--z-step`, yet a stack too thin for the z_step=2 that correlated noise
chooses was refused with "use dims=2, a smaller z_context, or z_step=1" (API settings, one of
them unreachable and one already at its minimum), and without naming the file of several."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main

TINY = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1", "--device", "cpu",
        "--no-student", "-q", "--dims", "3"]


def _stack(path: Path, planes: int, corr: float) -> Path:
    """Planes whose noise is `n_z + corr * n_(z-1)` over a smooth pattern."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 30, (planes + 1, 48, 48))
    noise = noise[1:] + corr * noise[:-1]
    pattern = 100 + 50 * np.sin(np.arange(48) / 5.0)[None, None, :]
    tifffile.imwrite(path, (pattern + noise).astype(np.float32), metadata={"axes": "ZYX"})
    return path


def test_thin_correlated_stack_names_cli_options_and_z_step_1_trains(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from napari_sdap.api import load_model

    thin = _stack(tmp_path / "thin.tif", 4, 0.8)
    out = tmp_path / "m.safetensors"
    assert main(["train", str(thin), "--model", str(out), *TINY]) == 2
    err = capsys.readouterr().err
    assert "use --dims 2, or --z-step 1 to use the neighbouring planes" in err, err
    assert "z_context" not in err.split("; ")[-1] and "dims=2" not in err
    assert not out.exists()
    assert main(["train", str(thin), "--model", str(out), *TINY, "--z-step", "1"]) == 0
    assert load_model(out).config.network.z_step == 1


def test_z_step_too_large_names_the_file_and_the_options(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _stack(folder / "a.tif", 8, 0.0)
    _stack(folder / "b.tif", 4, 0.8)
    out = tmp_path / "m.safetensors"
    assert main(["train", str(folder), "--model", str(out), *TINY]) == 2
    err = capsys.readouterr().err
    assert "b.tif (ZYX" in err and "--z-step 1" in err, err
    assert main(["train", str(folder / "a.tif"), "--model", str(out), *TINY,
                 "--z-context", "2", "--z-step", "2"]) == 2
    err = capsys.readouterr().err
    assert "a.tif: a 3-D model with z_context=2 and z_step=2 needs at least 9" in err, err
    assert "use --dims 2, or a smaller --z-context, or a smaller --z-step" in err
    assert main(["train", str(folder / "a.tif"), "--model", str(out), *TINY,
                 "--z-step", "9"]) == 2
    assert "--z-step: must be a whole number 1..8" in capsys.readouterr().err
