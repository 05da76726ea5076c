"""Scale-out over dask.distributed: same pixels as one process, per-file errors, splitting."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
from cli_fixtures import model_file_fixture, stacks_fixture, write_stack  # noqa: F401 (fixtures)
from extras import needs

from napari_sdap.cli import main
from napari_sdap.cli.jobs import worker_device
from napari_sdap.cli.pieces import split_ranges

needs("distributed", "distributed")


def test_split_ranges() -> None:
    assert split_ranges((3, 40, 40), "ZYX", threshold=10**6, workers=2) is None  # small
    assert split_ranges((3, 40, 40), "ZYX", threshold=100, workers=2) == (0, [(0, 1), (1, 2),
                                                                             (2, 3)])
    axis, ranges = split_ranges((2, 100, 5, 64, 64), "CTZYX", threshold=64 * 64 * 50, workers=2)
    assert axis == 1 and ranges[0][0] == 0 and ranges[-1][1] == 100  # never split along C
    assert all(b - a <= 50 for a, b in ranges) and len(ranges) >= 4
    assert split_ranges((2, 4000, 4000), "CYX", threshold=100, workers=2) is None  # no outer axis
    assert split_ranges((1, 4000, 4000), "ZYX", threshold=100, workers=2) is None
    # too few planes along the outermost axis for the pieces wanted: the longest axis
    axis, ranges = split_ranges((2, 64, 256, 256), "TZYX", threshold=256 * 256 * 8, workers=4)
    assert axis == 1 and len(ranges) == 16 and ranges[-1][1] == 64
    axis, ranges = split_ranges((2, 3, 256, 256), "TZYX", threshold=256 * 256, workers=1)
    assert axis == 1 and ranges == [(0, 1), (1, 2), (2, 3)]
    assert split_ranges((8, 3, 256, 256), "TZYX", threshold=256 * 256, workers=2)[0] == 0


def test_3d_model_split_along_z_matches_one_process(tmp_path, capsys):
    """A 3-D model's stack split into single planes: each piece reads its neighbouring planes,
    so the pixels equal the whole stack's (the first and last planes mirror as before)."""
    import napari_sdap

    raw = tmp_path / "raw"
    raw.mkdir()
    stack = write_stack(raw / "deep.tif", seed=3, planes=7, size=32)
    model = napari_sdap.train(stack, "ZYX", preset="tiny", steps=3, width=8, blocks=1,
                              device="cpu", dims=3, z_context=2, student=False)
    model.save(tmp_path / "m3d.safetensors")
    common = ["denoise", str(raw), "--model", str(tmp_path / "m3d.safetensors"),
              "--device", "cpu", "--threads", "1"]
    assert main([*common, "--output", str(tmp_path / "one")]) == 0
    assert main([*common, "--output", str(tmp_path / "split"), "--workers", "2",
                 "--split-mpix", "0.0005"]) == 0
    capsys.readouterr()
    rec = json.loads((tmp_path / "split" / "sdap_run.json").read_text())
    assert rec["files"]["deep_sdap.tif"]["pieces"] == 7
    one = tifffile.imread(tmp_path / "one" / "deep_sdap.tif")
    split = tifffile.imread(tmp_path / "split" / "deep_sdap.tif")
    np.testing.assert_allclose(split, one, rtol=0, atol=1e-6)


def test_worker_device_outside_a_cluster() -> None:
    assert worker_device("cpu") == "cpu"
    assert worker_device("cuda:1") == "cuda:1"


@pytest.mark.parametrize(("name", "device", "expected"), [
    (0, "auto", "cuda:0"), (3, "auto", "cuda:1"), ("SLURMCluster-3-1", "cuda", "cuda:1"),
    ("tcp-worker", "auto", "cuda:0"), (5, "cpu", "cpu"), (5, "cuda:0", "cuda:0"),
])
def test_one_gpu_per_worker(monkeypatch, name, device, expected) -> None:
    import distributed
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(distributed, "get_worker", lambda: type("W", (), {"name": name})())
    assert worker_device(device) == expected


def test_two_local_workers_match_one_process(stacks, model_file, tmp_path, capsys):
    raw = stacks[0].parent
    tifffile.imwrite(raw / "plane.tif", tifffile.imread(stacks[0])[1])  # a 2-D file: not split
    bad = raw / "cell1b.tif"
    bad.write_bytes(b"II*\x00" + b"\xff" * 100)
    common = ["denoise", str(raw), "--model", str(model_file), "--device", "cpu",
              "--threads", "1"]
    assert main([*common, "--output", str(tmp_path / "one")]) == 1
    capsys.readouterr()
    # every stack is split into 3 single-plane ranges, spread over two worker processes
    assert main([*common, "--output", str(tmp_path / "two"), "--workers", "2",
                 "--split-mpix", "0.001"]) == 1
    err = capsys.readouterr().err
    assert "cluster: 2 worker(s)" in err
    assert len([line for line in err.splitlines() if line.startswith(f"error: {bad}: ")]) == 1
    names = ["cell0_sdap.tif", "cell1_sdap.tif", "cell2_sdap.tif", "plane_sdap.tif"]
    assert sorted(p.name for p in (tmp_path / "two").glob("*.tif")) == names
    for name in names:
        one = tifffile.imread(tmp_path / "one" / name)
        two = tifffile.imread(tmp_path / "two" / name)
        assert one.dtype == two.dtype and np.array_equal(one, two), name
    rec = json.loads((tmp_path / "two" / "sdap_run.json").read_text())
    assert rec["files"]["cell0_sdap.tif"]["pieces"] == 3
    assert rec["files"]["plane_sdap.tif"]["pieces"] == 1
    assert len({rec["files"][n]["pid"] for n in names}) >= 1
    assert not [p for p in (tmp_path / "two").iterdir() if p.name.startswith(".")]
    # resuming skips what is done (and starts no cluster when only unreadable files are left)
    assert main([*common, "--output", str(tmp_path / "two"), "--workers", "2"]) == 1
    assert "1 to denoise, 4 already done" in capsys.readouterr().err  # the bad file is retried


def test_unreachable_scheduler_is_one_line(stacks, model_file, tmp_path, capsys):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["denoise", str(stacks[0]), "--model", str(model_file), "--output",
                     str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and err[-1].startswith("error: cannot reach the dask scheduler")


class _FakeClient:
    """Stands in for a dask Client: records submissions and cancellations."""

    def __init__(self) -> None:
        self.submitted: list[object] = []
        self.cancelled: list[object] = []

    def submit(self, fn, *args, key=None, pure=True):
        future = object()
        self.submitted.append(future)
        return future

    def cancel(self, futures, force=False):
        self.cancelled.extend(futures)


def test_interrupt_cancels_everything_and_removes_scratch(tmp_path, monkeypatch):
    import distributed

    from napari_sdap.cli.cluster import run_on_cluster
    from napari_sdap.cli.jobs import FileTask
    from napari_sdap.cli.pieces import scratch_path

    def interrupted(futures):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setattr(distributed, "as_completed", interrupted)
    monkeypatch.setattr("napari_sdap.cli.cluster.scratch_dtype", lambda task: "float32")
    client = _FakeClient()
    tasks = [FileTask(input=str(tmp_path / f"{n}.tif"), output=str(tmp_path / f"{n}_sdap.tif"),
                      model_path="m", model_sha256="s") for n in ("a", "b")]
    jobs = [(tasks[0], (3, 40, 40), "ZYX"), (tasks[1], (40, 40), "YX")]
    started = []
    with pytest.raises(KeyboardInterrupt):
        run_on_cluster(client, jobs, threshold=100, workers=2,
                       on_start=lambda t, n: started.append(
                           (t.output, n, scratch_path(t.output).is_dir())),
                       on_done=lambda *a: pytest.fail("nothing finished"))
    assert started == [(tasks[0].output, 3, True), (tasks[1].output, 1, False)]
    assert len(client.submitted) == 3 + 1 + 1  # three plane ranges + assembly, one whole file
    assert sorted(map(id, client.cancelled)) == sorted(map(id, client.submitted))
    assert not scratch_path(tasks[0].output).exists()


def test_split_wide_integers_keep_their_levels(tmp_path, capsys):
    """uint32 counts near 4e9 split over workers: the pieces pass through a float64 scratch
    store, so the output equals one process's float64 output (float32 kept 2-3 grey levels)."""
    import napari_sdap

    raw = tmp_path / "raw"
    raw.mkdir()
    yy, xx = np.mgrid[0:32, 0:32]
    clean = 100 + 50 * np.sin(yy / 7) * np.cos(xx / 5)
    rng = np.random.default_rng(0)
    stack = np.stack([np.round(clean + rng.normal(0, 10, clean.shape)) for _ in range(3)])
    stack = (stack + 4_000_000_000).astype(np.uint32)
    tifffile.imwrite(raw / "wide.tif", stack, metadata={"axes": "ZYX"})
    model = napari_sdap.train(stack, "ZYX", preset="tiny", steps=3, width=8, blocks=1,
                              device="cpu", stride=2, student=False)
    model.save(tmp_path / "m.safetensors")
    common = ["denoise", str(raw), "--model", str(tmp_path / "m.safetensors"),
              "--device", "cpu", "--threads", "1"]
    assert main([*common, "--output", str(tmp_path / "one")]) == 0
    assert main([*common, "--output", str(tmp_path / "split"), "--workers", "2",
                 "--split-mpix", "0.0005"]) == 0
    capsys.readouterr()
    one = tifffile.imread(tmp_path / "one" / "wide_sdap.tif")
    split = tifffile.imread(tmp_path / "split" / "wide_sdap.tif")
    assert one.dtype == split.dtype == np.float64
    assert np.unique(split).size > 500
    np.testing.assert_allclose(split, one, rtol=0, atol=1e-6)


def test_missing_chunks_are_named_once_with_workers(model_file, tmp_path, capfd):
    """Regression: a zarr input with a chunk not stored was named by the client's probe and
    again, bare, by every worker that read the file (three lines for two workers)."""
    import zarr

    stack = write_stack(tmp_path / "s.tif", seed=3, planes=4)
    store = tmp_path / "raw" / "cells.zarr"
    arr = zarr.create_array(store, shape=stack.shape, chunks=(1, 40, 40), dtype="float32",
                            dimension_names=["z", "y", "x"])
    arr[:] = stack
    (store / "c" / "2" / "0" / "0").unlink()
    assert main(["denoise", str(store), "--model", str(model_file), "--device", "cpu",
                 "--threads", "1", "--output", str(tmp_path / "out"), "--workers", "2",
                 "--split-mpix", "0.0005"]) == 0
    err = capfd.readouterr().err
    assert err.count("1 of 4 chunks of the zarr array are not stored") == 1, err
    assert "warning: " in err.split("chunks of the zarr array")[0].splitlines()[-1]
