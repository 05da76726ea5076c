"""`--workers N` without `--threads` gave each local worker the machine's cores / N torch
threads, whatever cores the job may use: 4 workers on a 4-core SLURM allocation (or `taskset`,
a container's cpuset) of a 64-core node ran 16 threads each, 64 on 4 cores. The cores are
those of the process's allocation."""

from __future__ import annotations

import os

import pytest

from napari_sdap.cli import cluster


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_threads_share_the_cores_of_the_allocation(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert cluster.threads_per_worker(4) == 1
    assert cluster.threads_per_worker(2) == 2
    assert cluster.threads_per_worker(8) == 1


def test_without_affinity_the_machine_cores(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert cluster.threads_per_worker(2) == 4
