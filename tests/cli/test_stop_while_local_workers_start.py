"""A SIGTERM (SLURM's time limit, `timeout`) or hang-up landing while `--workers` started its
local cluster interrupted `LocalCluster` half-way: the half-made cluster was never closed by
the command, and dask's exit handler failed on it with about 35 lines of tracebacks after the
command's "stopped" line. The stop is held back until the cluster has started, which is then
closed as on any stop."""

from __future__ import annotations

import os
import signal
from typing import ClassVar

import distributed
import pytest

from napari_sdap.cli import _stop_on_sigterm, cluster

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


class _Cluster:
    """Stands in for `LocalCluster`: SIGTERM reaches this process while it starts."""

    made: ClassVar[list[_Cluster]] = []

    def __init__(self, **kwargs) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # (Python runs the handler between these lines)
            pass
        self.started, self.closed = True, False
        _Cluster.made.append(self)

    def close(self) -> None:
        self.closed = True


class _Client:
    def __init__(self, *args, **kwargs) -> None:
        raise AssertionError("the stop should end the start before a client is made")


def test_sigterm_during_the_start_closes_the_started_cluster(monkeypatch) -> None:
    monkeypatch.setattr(distributed, "LocalCluster", _Cluster)
    monkeypatch.setattr(distributed, "Client", _Client)
    _Cluster.made.clear()
    with pytest.raises(KeyboardInterrupt), _stop_on_sigterm():
        with cluster.connect(None, 2):
            pass
    assert len(_Cluster.made) == 1 and _Cluster.made[0].closed
