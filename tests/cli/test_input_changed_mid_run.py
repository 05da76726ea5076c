"""An input that changes after the batch found it (a copy or an acquisition still writing it).

The run record kept the file's size and time from when the batch was planned: an input
replaced before it was read was denoised from its new contents, and the rerun then called that
output "out of date (the input changed)"; one rewritten while it was read was recorded done,
an output made from a mix of two versions that looked finished.
"""

from __future__ import annotations

import json
import os

import numpy as np
import tifffile
from cli_fixtures import model_file_fixture  # noqa: F401

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main


def _write(path, seed, size=48):
    image = np.random.default_rng(seed).normal(0.5, 0.1, (size, size)).astype(np.float32)
    tifffile.imwrite(path, image)


def _run(raw, out, model_file):
    return main(["denoise", str(raw), "--model", str(model_file), "-o", str(out),
                 "--device", "cpu", "--threads", "1", "-q"])


def test_input_replaced_before_it_is_read(tmp_path, model_file, monkeypatch, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    _write(raw / "a.tif", 0)
    real = denoise_cmd.Batch.start

    def replaced_first(batch, task, pieces=1):
        _write(raw / "a.tif", 1, size=40)  # after the plan, before the file's turn
        return real(batch, task, pieces)

    monkeypatch.setattr(denoise_cmd.Batch, "start", replaced_first)
    assert _run(raw, out, model_file) == 0
    monkeypatch.setattr(denoise_cmd.Batch, "start", real)
    assert tifffile.imread(out / "a_sdap.tif").shape == (40, 40)
    capsys.readouterr()
    assert _run(raw, out, model_file) == 0  # the output is of the file as it is: done
    assert "out of date" not in capsys.readouterr().err


def test_input_rewritten_while_it_is_read(tmp_path, model_file, monkeypatch, capsys):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    _write(raw / "a.tif", 0)
    _write(raw / "b.tif", 2)
    real = denoise_cmd.denoise_file

    def rewritten_meanwhile(task, progress=None):
        result = real(task, progress)
        if task.input.endswith("a.tif"):  # the writer was not done with it
            st = os.stat(task.input)
            os.utime(task.input, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        return result

    monkeypatch.setattr(denoise_cmd, "denoise_file", rewritten_meanwhile)
    assert _run(raw, out, model_file) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "a.tif" in line]
    assert len(lines) == 1 and "changed while it was denoised" in lines[0]
    assert "run the same command again" in lines[0]
    assert not (out / "a_sdap.tif").exists() and (out / "b_sdap.tif").exists()
    record = json.loads((out / "sdap_run.json").read_text())
    assert record["files"]["a_sdap.tif"]["status"] == "failed"
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    assert _run(raw, out, model_file) == 0  # the rerun makes it from the file as it is now
    assert (out / "a_sdap.tif").exists()
