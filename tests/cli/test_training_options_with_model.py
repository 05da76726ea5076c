"""`denoise --model M` with training options (`--dims 3`, `--stride 3`, `--steps`, ...) dropped
them without a word, as if the model were made or run with them; one warning line names them.
The options `denoise` itself uses (`--axes`) and a plain `--model` run stay silent."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from napari_sdap.api import train
from napari_sdap.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m")
    img = np.random.default_rng(0).poisson(50, (32, 32)).astype(np.float32)
    train(img, "YX", preset="tiny", steps=1, student=False, device="cpu").save(
        folder / "m.safetensors")
    return folder / "m.safetensors"


@pytest.mark.parametrize(("extra", "named"), [
    (["--dims", "3", "--stride", "3"], "--stride, --dims set how --train trains"),
    (["--steps", "9", "--no-student", "--z-context", "2"], "--steps, --no-student, --z-context"),
    (["--axes", "YX"], None),
    ([], None),
])
def test_training_options_with_model(tmp_path, capsys, monkeypatch, model_file, extra, named):
    monkeypatch.chdir(tmp_path)
    tifffile.imwrite("a.tif", np.random.default_rng(1).poisson(50, (32, 32)).astype(np.float32))
    code = main(["denoise", "a.tif", "--model", str(model_file), "-o", "out", "--device", "cpu",
                 "-q", *extra])
    err = capsys.readouterr().err
    assert code == 0 and (tmp_path / "out" / "a_sdap.tif").is_file()
    warned = [line for line in err.splitlines() if "set how --train" in line]
    if named is None:
        assert not warned
    else:
        assert len(warned) == 1 and named in warned[0] and "--axes" not in warned[0]
