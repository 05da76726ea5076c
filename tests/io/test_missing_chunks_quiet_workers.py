"""Cluster workers, whose read warnings are quieted, do not list a zarr input's chunks.

Regression: the missing-chunks check lists every chunk of the store (0.2 ms a chunk: 4 s for
20 000, minutes for a million) each time the store is opened, and with `--workers` every
piece of a split file opened it again, on workers that never show the warning (the client's
probe shows it once): a 20 000-chunk store split in 4 spent 33.6 s of compute against 10.5 s
in one process.
"""

from __future__ import annotations

import logging

from napari_sdap.cli.cluster import READ_WARNINGS
from napari_sdap.cli.jobs import quiet
from napari_sdap.io.zarr_reader import warn_missing_chunks


class _Store:
    """A stand-in zarr array that counts how often its chunks are listed."""

    nchunks = 10
    fill = None

    def __init__(self) -> None:
        self.listed = 0

    @property
    def nchunks_initialized(self) -> int:
        self.listed += 1
        return 7


def test_quiet_workers_do_not_list_chunks(tmp_path, caplog):
    store = _Store()
    with quiet(READ_WARNINGS):
        warn_missing_chunks(store, tmp_path / "quiet.zarr")
    assert store.listed == 0
    with caplog.at_level(logging.WARNING, logger=READ_WARNINGS):
        warn_missing_chunks(store, tmp_path / "shown.zarr")
    assert store.listed == 1
    assert "3 of 10 chunks" in caplog.text
