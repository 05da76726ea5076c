"""The CLI's report (stderr) read through a pipe whose reader goes away: `napari-sdap train ...
2>&1 | head -2`, a `| less` quit while it trains, a closed terminal. The whole training ran,
then its line `trained ...` raised BrokenPipeError and the model was never saved (exit 1, not a
word); a denoising batch stopped after the file in progress. A log file on a full disk (a SLURM
log in a home over its quota) stopped a batch at its first line. The work now goes on
unreported, and the exit code is the work's."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import numpy as np
import pytest
import tifffile
from synthetic import noisy_sine

from napari_sdap.cli.report import Reporter


class _Gone:
    """A stream whose reader went away (or whose disk is full): every write fails."""

    def __init__(self, err: OSError) -> None:
        self.err, self.writes = err, 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise self.err

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("err", [BrokenPipeError(errno.EPIPE, "Broken pipe"),
                                 OSError(errno.EIO, "Input/output error"),
                                 OSError(errno.ENOSPC, "No space left on device"),
                                 OSError(errno.EDQUOT, "Disk quota exceeded")])
@pytest.mark.parametrize("bars", [False, True])
def test_reporter_goes_on_when_its_reader_is_gone(err, bars):
    stream = _Gone(err)
    rep = Reporter(stream=stream, bars=bars)  # type: ignore[arg-type]
    rep.info("noise looks white")
    rep.start_batch(3)
    rep.start_item("a.tif", 4)
    rep.item_progress(2, 4, "loss 0.1")
    rep.end_item()
    rep.advance()
    rep.warning("a.tif", "odd")
    rep.summary("trained 20 steps")
    rep.error("", "x")
    rep.close()
    assert stream.writes == 1  # tried once, then silent


def test_other_write_errors_still_raise():
    rep = Reporter(stream=_Gone(OSError(errno.EACCES, "Permission denied")),  # type: ignore[arg-type]
                   bars=False)
    with pytest.raises(OSError):
        rep.info("x")


def test_train_saves_its_model_after_the_reader_went_away(tmp_path):
    img = tmp_path / "img.tif"
    tifffile.imwrite(img, (100 + 20 * noisy_sine(64)).astype(np.float32))
    model = tmp_path / "m.safetensors"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "napari_sdap.cli", "train", str(img), "--model", str(model),
         "--preset", "tiny", "--steps", "20", "--no-student", "--device", "cpu"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # as `| head -1` does: one line, then gone
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert first.startswith(b"noise")
    assert model.is_file()


def test_denoise_with_its_log_on_a_full_disk(tmp_path):
    img = tmp_path / "img.tif"
    tifffile.imwrite(img, (100 + 20 * noisy_sine(48)).astype(np.float32))
    model = tmp_path / "m.safetensors"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    base = [sys.executable, "-m", "napari_sdap.cli"]
    subprocess.run([*base, "train", str(img), "--model", str(model), "--preset", "tiny",
                    "--steps", "2", "--no-student", "--device", "cpu", "-q"], check=True,
                   env=env, cwd=tmp_path, capture_output=True)
    with open("/dev/full", "w") as full:  # every write: ENOSPC
        done = subprocess.run([*base, "denoise", str(img), "--model", str(model), "-o",
                               str(tmp_path / "out"), "--device", "cpu"], stdout=full,
                              stderr=full, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0
    assert (tmp_path / "out" / "img_sdap.tif").is_file()
