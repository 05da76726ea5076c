"""`load_model` of a named pipe (or another file that is not a regular one) is refused at once
(regression: the bioimage.io package test, and the header read before the weights, opened the
pipe and waited forever for a writer)."""

from __future__ import annotations

import os
import threading

import pytest

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("name", ["m.safetensors", "pkg.zip"])
def test_named_pipe_is_refused_without_waiting(tmp_path, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_model(pipe)
            outcome.append(None)
        except BaseException as err:  # (handed to the test's thread)
            outcome.append(err)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # let the blocked open() return, so the thread ends
        fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(10)
        pytest.fail("load_model waited on the named pipe")
    assert isinstance(outcome[0], ModelFileError)
    assert "is not a regular file (a device, pipe or socket)" in str(outcome[0])
