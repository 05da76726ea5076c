"""`train(path, series=1)` on a file of several image series: the file's refusal, which says
"choose it with series=N", came first, so the user who gave series=1 as told was told the
same again (train has no `series`: it went into the config settings, checked later). It is a
`ConfigError` naming `open_image(path, series=N)`, before the file is read; and the model
trained on the series so opened works."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.errors import ConfigError, InputError


def _two_series(path: Path) -> Path:
    with tifffile.TiffWriter(path, ome=True) as tif:
        tif.write(np.stack([noisy_sine(32, s) for s in range(2)]), metadata={"axes": "ZYX"})
        tif.write(np.stack([noisy_sine(40, s) for s in range(3)]), metadata={"axes": "ZYX"})
    return path


def test_series_given_to_train_names_open_image(tmp_path: Path) -> None:
    path = _two_series(tmp_path / "two.ome.tif")
    with pytest.raises(InputError, match=r"series=N"):  # (the file's refusal, unchanged)
        napari_sdap.train(path, preset="tiny", steps=1, device="cpu")
    for call in (napari_sdap.train, lambda *a, **k: list(napari_sdap.iter_train(*a, **k))):
        with pytest.raises(ConfigError, match=r"train takes no series= \(got series=1\): "
                                              r"open one image series .*open_image\(path, "
                                              r"series=N\)"):
            call(path, preset="tiny", steps=1, device="cpu", series=1)


def test_the_series_opened_with_open_image_trains(tmp_path: Path) -> None:
    path = _two_series(tmp_path / "two.ome.tif")
    with napari_sdap.open_image(path, series=1) as src:
        model = napari_sdap.train(src, preset="tiny", steps=1, device="cpu", student=False)
    assert model.record.trained_on[0].endswith("ZYX [3, 40, 40]")
