"""`--workers N`: the local workers are never paused or restarted for their memory.

dask pauses a worker above 80 % of its memory limit (the machine's memory / N by default) until
it falls again. The CLI's workers hold no dask data to spill (each task writes its file and
returns a few numbers), so a worker whose process stayed above the mark after a large file
(torch keeps what it allocated) stayed paused: with every worker so, the batch hung without a
word (their logs are silenced). Seen with the mark lowered (DASK_DISTRIBUTED__WORKER__MEMORY__
PAUSE=0.02): 2 of 8 files, then nothing until killed; with no limit the 8 are done. A worker
truly out of memory is ended by the system and its file reported (test_killed_worker_message).
"""

from __future__ import annotations

from extras import needs

from napari_sdap.cli.cluster import connect

needs("distributed", "distributed")


def test_local_workers_have_no_memory_limit():
    with connect(None, 1) as (client, n):
        workers = client.scheduler_info()["workers"].values()
        assert n == 1
        assert [w.get("memory_limit") for w in workers] in ([0], [None])
