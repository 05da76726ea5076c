"""Two `napari-sdap train` runs for one `--model` name in a shared folder: the one that ends
second found the name taken at its save and said "model file ... already exists; choose
another name or pass overwrite=True (CLI train: --overwrite)", the Python API's words, as if
the user had named an existing file (it was absent when its training began). It says the file
was saved by another run meanwhile, that this run's model is lost, and what to run."""

from __future__ import annotations

import numpy as np
import tifffile

from napari_sdap.cli import main
from napari_sdap.cli import train as cli_train

_TRAIN = ["--preset", "tiny", "--steps", "2", "--width", "8", "--blocks", "1", "--stride", "2",
          "--no-student", "--device", "cpu", "--threads", "1"]


def test_a_model_file_saved_by_another_run_during_the_training(tmp_path, capsys,
                                                               monkeypatch):
    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    model = tmp_path / "m.safetensors"
    trained = cli_train.train_on

    def train_while_another_saves(*args, **kwargs):
        result = trained(*args, **kwargs)
        model.write_bytes(b"the other run's model")  # (saved meanwhile by the other run)
        return result

    monkeypatch.setattr(cli_train, "train_on", train_while_another_saves)
    assert main(["train", str(tmp_path / "a.tif"), "--model", str(model), *_TRAIN]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error")]
    assert len(lines) == 1, err
    assert "was saved by another run or process while this one trained" in lines[0]
    assert "lost" in lines[0] and "another --model name" in lines[0] and "--overwrite" in lines[0]
    assert "overwrite=True" not in lines[0]
    assert model.read_bytes() == b"the other run's model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif", "m.safetensors"]
