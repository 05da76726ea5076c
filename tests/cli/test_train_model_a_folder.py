"""`napari-sdap train --model DIR`: an existing folder was "already exists; pass --overwrite",
and with --overwrite the whole training ran before the save refused the folder (the model lost);
a device (`/dev/null`) the same; `--model newdir/` (a folder meant) was saved as a file named
`newdir`. Each is refused before any training, naming a file path inside the folder."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from synthetic import noisy_sine

from napari_sdap.cli import main


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "img.tif"
    tifffile.imwrite(path, (100 + 20 * noisy_sine(48)).astype(np.float32))
    return path


def _train(image, model, *extra):
    return main(["train", str(image), "--model", model, "--preset", "tiny", "--steps", "2",
                 "--no-student", "--device", "cpu", *extra])


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_existing_folder_refused_before_training(tmp_path, image, capsys, monkeypatch, overwrite):
    folder = tmp_path / "models"
    folder.mkdir()
    import napari_sdap.cli.train as cli_train

    monkeypatch.setattr(cli_train, "train_on", lambda *a, **k: pytest.fail("trained"))
    assert _train(image, str(folder), *overwrite) == 2
    err = capsys.readouterr().err
    assert "names a folder, not a model file" in err
    assert str(folder / "model.safetensors") in err and "--overwrite" not in err
    assert list(folder.iterdir()) == []


def test_name_ending_in_a_slash_is_refused(tmp_path, image, capsys, monkeypatch):
    import napari_sdap.cli.train as cli_train

    monkeypatch.setattr(cli_train, "train_on", lambda *a, **k: pytest.fail("trained"))
    assert _train(image, str(tmp_path / "newdir") + "/") == 2
    assert "names a folder" in capsys.readouterr().err
    assert not (tmp_path / "newdir").exists()


def test_device_refused_before_training(image, capsys, monkeypatch):
    import napari_sdap.cli.train as cli_train

    monkeypatch.setattr(cli_train, "train_on", lambda *a, **k: pytest.fail("trained"))
    assert _train(image, "/dev/null", "--overwrite") == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_file_path_still_trains(tmp_path, image):
    assert _train(image, str(tmp_path / "m.safetensors")) == 0
    assert (tmp_path / "m.safetensors").is_file()
