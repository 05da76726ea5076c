"""`napari-sdap train` chooses the loss from the noise unless `--loss` is given."""

from __future__ import annotations

from pathlib import Path

import pytest
import tifffile
from synthetic import clipped_photons

from napari_sdap.cli import main

TINY = ["--preset", "tiny", "--steps", "1", "--width", "8", "--blocks", "1", "--device", "cpu",
        "--no-student"]


@pytest.mark.parametrize(("given", "trained"), [(None, "l2"), ("l1", "l1")])
def test_clipped_correlated_photon_noise_trains_with_l2(tmp_path: Path, given: str | None,
                                                        trained: str,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    from napari_sdap.api import load_model

    frame = tmp_path / "low_light.tif"
    tifffile.imwrite(frame, clipped_photons().astype("uint8"))
    out = tmp_path / "m.safetensors"
    extra = ["--loss", given] if given else []
    assert main(["train", str(frame), "--model", str(out), *TINY, *extra]) == 0
    err = capsys.readouterr().err
    assert "skewness +" in err and "dark background clipped" in err
    assert load_model(out).config.training.loss == trained
    assert ("loss l2" in err) == (trained == "l2")
    assert main(["info", str(out)]) == 0
    assert ("loss l2" in capsys.readouterr().out) == (trained == "l2")
