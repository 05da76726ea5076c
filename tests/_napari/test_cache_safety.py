"""The result cache against other readers: live refreshes that leave nothing in napari's chunk
cache, Clear cache beside other viewers and other napari processes, leftovers of crashed runs,
and quality checks that read a result while a rerun replaces it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
from panel_helpers import denoiser, slow_stack

from napari_sdap._napari import in_use, qc_widget, widget_denoise
from napari_sdap._napari.qc_widget import QCWidget
from napari_sdap._napari.results import cache_usage, clear_cache


def _slow(image, planes=5, delay=0.15):
    """A run with several refreshes."""
    return slow_stack(image, planes, delay)


def _marker(folder, pid, names):
    """A list of stores in use written as process `pid` would (`in_use.publish`)."""
    import psutil

    marks = folder.parent / f".{folder.name}-in-use"
    marks.mkdir(parents=True, exist_ok=True)
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        started = 1.0
    (marks / str(pid)).write_text("\n".join([str(started), *names]) + "\n")


def _gone_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_live_refreshes_leave_no_stale_copies_in_napari_chunk_cache(
        make_napari_viewer, small_image, trained_model, wait_idle, monkeypatch):
    from napari.utils import _dask_utils

    monkeypatch.setattr(widget_denoise, "_REFRESH_S", 0.0)  # a refresh after every tile,
    monkeypatch.setattr(widget_denoise, "_SLOWER", 0.0)  # however long a refresh took (a
    # loaded machine: one slow refresh put the next beyond the end of the run)
    viewer = make_napari_viewer()
    viewer.add_image(_slow(small_image), name="s", contrast_limits=(0, 1))
    denoise = denoiser(viewer, trained_model)
    refreshes = []
    shown = denoise._refresh
    denoise._refresh = lambda: (refreshes.append(1), shown())
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and len(refreshes) >= 2
    cache = _dask_utils._DASK_CACHE.cache
    names = {str(k[0] if isinstance(k, tuple) else k) for k in list(cache.data)}
    assert len({n for n in names if n.startswith("sdap-")}) <= 1  # the final result's at most


def test_a_slow_refresh_makes_the_next_one_wait_longer(make_napari_viewer, small_image,
                                                       trained_model):
    viewer = make_napari_viewer()
    denoise = denoiser(viewer, trained_model)

    class SlowLayer:
        def refresh(self):
            time.sleep(0.1)  # a huge plane

    denoise.out_layer, denoise.run = SlowLayer(), object()
    denoise._refresh()
    assert denoise._refresh_gap >= widget_denoise._SLOWER * 0.1


def test_clear_cache_in_another_viewer_keeps_the_results_it_shows(
        make_napari_viewer, small_image, trained_model, wait_idle):
    one, two = make_napari_viewer(), make_napari_viewer()
    one.add_image(small_image, name="a")
    two.add_image(small_image.T.copy(), name="b")
    first = denoiser(one, trained_model)
    first.start()
    wait_idle(first)
    second = denoiser(two, trained_model)
    second.start()
    wait_idle(second)
    shown = first.output_path
    second.output.confirm = lambda question: True
    second.output.clear()
    assert shown.exists()
    assert np.asarray(one.layers["a [SDAP]"].data).any()


def test_clear_cache_keeps_the_stores_another_live_napari_lists(_cache_in_tmp):
    _cache_in_tmp.mkdir(parents=True)
    theirs, orphan = (_cache_in_tmp / n for n in ("x-1.sdap.zarr", "y-1.sdap.zarr"))
    for store in (theirs, orphan):
        store.mkdir()
        (store / "zarr.json").write_text("{}")
    _marker(_cache_in_tmp, os.getppid(), [theirs.name])  # a live process
    _marker(_cache_in_tmp, _gone_pid(), [orphan.name])  # a killed one
    assert clear_cache(_cache_in_tmp, in_use.in_use(_cache_in_tmp)) == (1, 1)
    assert theirs.exists() and not orphan.exists()


def test_save_refuses_a_result_whose_store_was_deleted(make_napari_viewer, small_image,
                                                       trained_model, wait_idle, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    shutil.rmtree(denoise.output_path)  # e.g. cleared by an older napari
    assert denoise.save_result(str(tmp_path / "a.tif")) is None
    assert "deleted" in denoise.status.text()
    assert not (tmp_path / "a.tif").exists()


def test_leftovers_of_gone_runs_are_counted_and_cleared_but_not_a_live_runs(_cache_in_tmp):
    _cache_in_tmp.mkdir(parents=True)
    names = {k: f".{k}-1.sdap.ome.zarr.partial-0123abcd" for k in ("dead", "live", "new", "old")}
    for name in names.values():
        (_cache_in_tmp / name).mkdir()
        (_cache_in_tmp / name / "zarr.json").write_text("{}")
    _marker(_cache_in_tmp, _gone_pid(), [names["dead"][1:].split(".partial-")[0]])
    _marker(_cache_in_tmp, os.getppid(), [names["live"][1:].split(".partial-")[0]])
    old = time.time() - 3600  # unlisted (a run of the API) and unwritten for an hour
    for f in (_cache_in_tmp / names["old"], _cache_in_tmp / names["old"] / "zarr.json"):
        os.utime(f, (old, old))
    size, count = cache_usage(_cache_in_tmp)
    assert count == 2 and size > 0
    assert clear_cache(_cache_in_tmp, in_use.in_use(_cache_in_tmp)) == (2, 0)
    left = sorted(p.name for p in _cache_in_tmp.iterdir())
    assert left == sorted([names["live"], names["new"]])


def test_a_rerun_keeps_the_store_a_running_check_reads(
        make_napari_viewer, small_image, trained_model, wait_idle, qtbot, monkeypatch):
    viewer = make_napari_viewer()
    viewer.add_image(np.tile(small_image, (2, 2)), name="s")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    first, shown = denoise.output_path, np.asarray(viewer.layers["s [SDAP]"].data).copy()
    reading, go, seen = threading.Event(), threading.Event(), {}
    check = qc_widget.run_check

    def slow_check(noisy, denoised, *rest):
        reading.set()
        go.wait(60)  # a big layer: still reading the result lazily
        seen["denoised"] = np.asarray(denoised)
        return check(noisy, denoised, *rest)

    monkeypatch.setattr(qc_widget, "run_check", slow_check)
    qc = QCWidget(viewer)
    qc.use_model.setChecked(False)
    qc.check()
    assert reading.wait(30)
    denoise.start()
    wait_idle(denoise)
    assert denoise.outcome == "done" and first.exists()
    go.set()
    qtbot.waitUntil(lambda: qc.worker is None, timeout=60_000)
    np.testing.assert_array_equal(seen["denoised"], shown)
    denoise.output.confirm = lambda question: True
    denoise.output.clear()  # nothing reads the first store any more: it goes
    assert not first.exists() and denoise.output_path.exists()
