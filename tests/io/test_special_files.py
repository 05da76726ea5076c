"""Inputs that are not regular files: a named pipe called `x.tif` given as an input (or a link
to one) made `denoise` and `train` wait forever for a writer; it is refused at once."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest

from napari_sdap.errors import InputError
from napari_sdap.io.readers import open_image

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


@contextmanager
def _watchdog(fifo, seconds=15.0):
    """Fail rather than hang: after `seconds`, open the pipe's writing end once, which ends a
    read waiting on it (the old behaviour then fails the test instead of blocking it)."""
    fired = []

    def release():
        fired.append(True)
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader waiting
            pass

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
    assert not fired, f"reading {fifo} waited for a writer"


@pytest.mark.parametrize("name", ["pipe.tif", "pipe.npy", "pipe.png"])
def test_named_pipe_is_refused_without_waiting(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    with _watchdog(fifo), pytest.raises(InputError,
                                        match=r"not a regular file .*named pipe.* save the image"):
        open_image(fifo)
    link = tmp_path / f"link_{name}"
    link.symlink_to(fifo)
    with _watchdog(fifo), pytest.raises(InputError, match="not a regular file"):
        open_image(link)


def test_cli_batch_goes_on_past_a_named_pipe(tmp_path, capsys):
    import numpy as np
    import tifffile

    import napari_sdap
    from napari_sdap.cli import main

    image = np.random.default_rng(0).normal(100, 10, (48, 48)).astype(np.float32)
    tifffile.imwrite(tmp_path / "a.tif", image)
    os.mkfifo(tmp_path / "b.tif")
    model = napari_sdap.train(image, preset="tiny", steps=2, width=8, blocks=1, stride=2,
                              device="cpu", student=False)
    model.save(tmp_path / "m.safetensors")
    with _watchdog(tmp_path / "b.tif", 30.0):
        code = main(["denoise", str(tmp_path / "a.tif"), str(tmp_path / "b.tif"), "--model",
                     str(tmp_path / "m.safetensors"), "-o", str(tmp_path / "out"), "--device",
                     "cpu", "--threads", "1", "-q"])
    err = capsys.readouterr().err
    assert code == 1 and (tmp_path / "out" / "a_sdap.tif").exists()
    assert len([line for line in err.splitlines() if "b.tif" in line]) == 1
    assert "not a regular file" in err
