"""A batch stops at a full disk: every later file would spend its whole computation, then
fail the same way (a 3 MB disk: files 4-6 of six each denoised, then refused). The files left
are counted as not started; the same command run again, once space is freed, resumes."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, write_stack  # noqa: F401 (fixture)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main
from napari_sdap.errors import DiskFullError, OutputError
from napari_sdap.io.write_errors import write_error


def test_a_full_disk_is_its_own_error(tmp_path):
    full = write_error(tmp_path / "a.tif", OSError(errno.ENOSPC, "No space left on device"))
    other = write_error(tmp_path / "a.tif", OSError(errno.EIO, "Input/output error"))
    assert isinstance(full, DiskFullError) and "the disk is full" in str(full)
    assert isinstance(other, OutputError) and not isinstance(other, DiskFullError)


def test_local_batch_stops_at_a_full_disk(model_file, tmp_path, monkeypatch, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for k in range(4):
        write_stack(inputs / f"s{k}.tif", seed=k, planes=1)
    out, real, calls = tmp_path / "out", denoise_cmd.denoise_file, []

    def full_from_the_second(task, progress=None):
        calls.append(Path(task.input).name)
        if len(calls) == 2:
            raise DiskFullError(f"writing output {task.output} failed (No space left on "
                                f"device); the disk is full")
        return real(task, progress)

    monkeypatch.setattr(denoise_cmd, "denoise_file", full_from_the_second)
    args = ["denoise", str(inputs), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1"]
    assert main(args) == 1
    assert calls == ["s0.tif", "s1.tif"]  # (s2 and s3 were each denoised, then refused)
    text = capsys.readouterr()
    assert "1 denoised" in text.out + text.err and "1 failed, 2 not started (the disk is full: " \
        "free space, then run the same command again to resume)" in text.out + text.err
    record = json.loads((out / "sdap_run.json").read_text())
    assert {k: v["status"] for k, v in record["files"].items()} == {
        "s0_sdap.tif": "done", "s1_sdap.tif": "failed"}
    monkeypatch.setattr(denoise_cmd, "denoise_file", real)
    assert main(args) == 0  # space freed: the same command resumes
    assert sorted(p.name for p in out.glob("*.tif")) == [f"s{k}_sdap.tif" for k in range(4)]


def test_cluster_batch_cancels_the_rest_at_a_full_disk(tmp_path, monkeypatch):
    import distributed

    from napari_sdap.cli.cluster import run_on_cluster
    from napari_sdap.cli.jobs import FileTask

    class Future:
        def __init__(self, error=None):
            self.error = error

        def result(self):
            if self.error:
                raise self.error
            return {"seconds": 1.0}

    class Client:
        def __init__(self):
            self.futures = [Future(DiskFullError("the disk is full")), Future(), Future()]
            self.cancelled = []

        def submit(self, fn, *args, key=None, pure=True):
            self.index = getattr(self, "index", -1) + 1
            return self.futures[self.index]

        def cancel(self, futures, force=False):
            self.cancelled.extend(futures)

    monkeypatch.setattr(distributed, "as_completed", lambda futures: iter(futures))
    client = Client()
    tasks = [FileTask(input=str(tmp_path / f"{n}.tif"), output=str(tmp_path / f"{n}_sdap.tif"),
                      model_path="m", model_sha256="s") for n in ("a", "b", "c")]
    done = []

    def on_done(task, result, err):  # as `Batch.finish`: a full disk is raised again
        done.append((Path(task.output).name, err is None))
        if isinstance(err, DiskFullError):
            raise err

    with pytest.raises(DiskFullError):
        run_on_cluster(client, [(t, (40, 40), "YX") for t in tasks], threshold=10**9, workers=2,
                       on_start=lambda t, n: None, on_done=on_done)
    assert done == [("a_sdap.tif", False)]  # (b and c ran on before)
    assert client.futures[1] in client.cancelled and client.futures[2] in client.cancelled
