"""Scale-out over dask.distributed: same pixels as one process, per-file errors, splitting."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from napari_sdap.cli import main
from napari_sdap.cli.jobs import split_ranges, worker_device

pytest.importorskip("distributed")


def test_split_ranges() -> None:
    assert split_ranges((3, 40, 40), "ZYX", threshold=10**6, workers=2) is None  # small
    assert split_ranges((3, 40, 40), "ZYX", threshold=100, workers=2) == (0, [(0, 1), (1, 2),
                                                                             (2, 3)])
    axis, ranges = split_ranges((2, 100, 5, 64, 64), "CTZYX", threshold=64 * 64 * 50, workers=2)
    assert axis == 1 and ranges[0][0] == 0 and ranges[-1][1] == 100  # never split along C
    assert all(b - a <= 50 for a, b in ranges) and len(ranges) >= 4
    assert split_ranges((2, 4000, 4000), "CYX", threshold=100, workers=2) is None  # no outer axis
    assert split_ranges((1, 4000, 4000), "ZYX", threshold=100, workers=2) is None


def test_worker_device_outside_a_cluster() -> None:
    assert worker_device("cpu") == "cpu"
    assert worker_device("cuda:1") == "cuda:1"


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
    assert main(["denoise", str(stacks[0]), "--model", str(model_file), "--output",
                 str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and err[-1].startswith("error: cannot reach the dask scheduler")
