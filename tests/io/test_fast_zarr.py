"""io.fast_zarr: TensorStore reads and writes local zarr arrays as zarr-python does."""

from __future__ import annotations

import builtins

import numpy as np
import pytest
import zarr

from napari_sdap import create_model
from napari_sdap.io import fast_zarr
from napari_sdap.io.fast_zarr import ENV, StoreArray, fast_array
from napari_sdap.model.normalize import Normalization

pytest.importorskip("tensorstore")


def _array(path, fmt=3, dtype="u2", shards=None, shape=(3, 70, 53), chunks=(1, 16, 16)):
    a = zarr.create_array(str(path), shape=shape, dtype=dtype, chunks=chunks, shards=shards,
                          zarr_format=fmt, fill_value=7)
    data = np.random.default_rng(1).integers(0, 4000, shape).astype(dtype)
    a[:, :, :40] = data[:, :, :40]  # the last columns' chunks stay unwritten: fill value
    return a, data


@pytest.mark.parametrize("fmt,dtype,shards", [(3, "u2", None), (2, "u2", None), (2, ">u2", None),
                                              (3, "f4", (1, 32, 32)), (3, "i1", None)])
def test_reads_equal_zarr_python(tmp_path, fmt, dtype, shards):
    a, _ = _array(tmp_path / "a.zarr", fmt, dtype, shards)
    f = fast_array(a)
    assert isinstance(f, StoreArray) and f.shape == a.shape and f.chunks == a.chunks
    assert f.dtype == np.dtype(dtype).newbyteorder("=")
    for key in [(1, slice(3, 50), slice(10, 53)), (slice(None), slice(60, 99), slice(None)),
                (-1, slice(-20, None), slice(30, 45)), 2, (0, 5), (slice(1, 1), slice(None)),
                (slice(0, 3, 2), slice(None), 4), (..., 3)]:
        got, want = f[key], a[key]
        assert got.shape == want.shape and np.array_equal(got, want), key
    assert np.array_equal(np.asarray(f), a[...])


@pytest.mark.parametrize("fmt,shards", [(3, None), (2, None), (3, (1, 32, 32))])
def test_writes_are_read_back_by_zarr_python(tmp_path, fmt, shards):
    a, data = _array(tmp_path / "a.zarr", fmt, "f4", shards)
    f = fast_array(a, write=True)
    f[1, 10:30, 20:53] = data[1, 10:30, 20:53] + 0.5
    f[2, 0:5] = 3  # broadcast
    f[0, :, :, ...] = data[0]  # an index TensorStore is not given: zarr-python writes it
    back = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    want = np.where(np.arange(53) < 40, data, 7).astype("f4")
    want[1, 10:30, 20:53] = data[1, 10:30, 20:53] + 0.5
    want[2, 0:5] = 3
    want[0] = data[0]
    assert np.array_equal(back[...], want)


def test_writes_do_not_sync_each_chunk(tmp_path):
    """Like zarr-python, no fsync per chunk: the finished output folder's rename is what makes
    an output complete."""
    a, _ = _array(tmp_path / "a.zarr", 3, "f4")
    f = fast_array(a, write=True)
    assert isinstance(f, StoreArray)
    spec = f._store.spec(retain_context=True).to_json()
    assert spec["kvstore"]["file_io_sync"] is False


def test_stays_with_zarr_python_where_it_must(tmp_path, monkeypatch):
    mem = zarr.create_array(zarr.storage.MemoryStore(), shape=(8, 8), dtype="u2")
    assert fast_array(mem) is mem
    data = np.zeros((4, 4))
    assert fast_array(data) is data
    a, _ = _array(tmp_path / "a.zarr")
    monkeypatch.setenv(ENV, "zarr")
    assert fast_array(a) is a
    monkeypatch.delenv(ENV)
    real = builtins.__import__

    def no_tensorstore(name, *args, **kwargs):
        if name == "tensorstore":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorstore)
    assert fast_array(a) is a
    monkeypatch.setattr(builtins, "__import__", real)
    (tmp_path / "a.zarr" / "zarr.json").write_text("{}")  # metadata it cannot read
    assert fast_array(a) is a
    assert isinstance(fast_array(_array(tmp_path / "b.zarr")[0]), StoreArray)


def test_an_array_opened_read_only_is_not_written_through_tensorstore(tmp_path):
    _array(tmp_path / "a.zarr")
    ro = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert fast_array(ro, write=True) is ro
    assert isinstance(fast_array(ro), StoreArray)


def test_group_member_is_found_by_its_path(tmp_path):
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    a = g.create_array("0", shape=(20, 30), dtype="u2", chunks=(8, 8))
    a[...] = np.arange(600).reshape(20, 30)
    f = fast_array(zarr.open_group(str(tmp_path / "g.zarr"), mode="r")["0"])
    assert isinstance(f, StoreArray) and np.array_equal(f[3:17, 5:29], a[3:17, 5:29])


def test_denoise_zarr_to_zarr_equals_zarr_python(tmp_path, monkeypatch):
    m = create_model("tiny", width=8, blocks=1, tile=16)
    m.normalization = Normalization(low=[100.0], high=[1100.0])
    a, _ = _array(tmp_path / "in.zarr", shape=(2, 45, 38), chunks=(1, 16, 16))
    opened = []
    real = fast_zarr.StoreArray.__init__

    def spy(self, *args):
        opened.append(args[0])
        real(self, *args)

    monkeypatch.setattr(fast_zarr.StoreArray, "__init__", spy)
    fast = m.denoise(a, "ZYX", output=tmp_path / "fast.zarr")
    assert len(opened) == 2  # the input and the output
    monkeypatch.setenv(ENV, "zarr")
    slow = m.denoise(a, "ZYX", output=tmp_path / "slow.zarr")
    assert len(opened) == 2 and isinstance(fast, zarr.Array)
    assert np.array_equal(fast[...], slow[...]) and np.abs(fast[...]).sum() > 0


def test_an_input_is_opened_for_reading_only(tmp_path, monkeypatch):
    a, _ = _array(tmp_path / "a.zarr", 3, "u2")
    f = fast_array(a)
    assert not f.writable
    written = []
    monkeypatch.setattr(f, "zarr_array", _Recorder(a, written))
    f[0, 0:2, 0:2] = 1  # TensorStore holds it read-only: zarr-python writes
    assert written == [(0, slice(0, 2), slice(0, 2))]
    assert np.array_equal(f[0, 0:2, 0:2], [[1, 1], [1, 1]])


class _Recorder:
    def __init__(self, array, written):
        self.array, self.written = array, written

    def __setitem__(self, key, value):
        self.written.append(key)
        self.array[key] = value


def test_lazy_denoise_reads_through_tensorstore_and_equals_zarr_python(tmp_path, monkeypatch):
    cloudpickle = pytest.importorskip("cloudpickle")  # what dask.distributed ships graphs with
    m = create_model("tiny", width=8, blocks=1, tile=16)
    m.normalization = Normalization(low=[100.0], high=[1100.0])
    a, _ = _array(tmp_path / "in.zarr", shape=(2, 45, 38), chunks=(1, 16, 16))
    fast = m.denoise(a, "ZYX", lazy=True)
    assert any(isinstance(v, StoreArray) for v in _graph_values(fast))
    shipped = cloudpickle.loads(cloudpickle.dumps(fast))
    monkeypatch.setenv(ENV, "zarr")
    slow = m.denoise(a, "ZYX", lazy=True)
    assert np.array_equal(fast.compute(), slow.compute())
    assert np.array_equal(shipped.compute(), slow.compute())


def _graph_values(arr):
    for task in dict(arr.__dask_graph__()).values():
        yield from _walk(task)


def _walk(obj):
    if isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _walk(o)
    elif callable(obj) and getattr(obj, "__closure__", None):
        for cell in obj.__closure__:
            yield cell.cell_contents
    elif hasattr(obj, "array") and hasattr(obj, "engine"):  # what every tile shares
        yield obj.array
    else:
        yield obj


def test_a_full_disk_is_named_with_its_fix(tmp_path, monkeypatch):
    """TensorStore reports a refused write as a ValueError; it came out raw."""
    from napari_sdap.errors import OutputError

    m = create_model("tiny", width=8, blocks=1, tile=16)
    m.normalization = Normalization(low=[100.0], high=[1100.0])
    a, _ = _array(tmp_path / "in.zarr", shape=(2, 45, 38), chunks=(1, 16, 16))

    class Full:
        def write(self, data):
            return self

        def result(self):
            raise ValueError('RESOURCE_EXHAUSTED: Error writing local file "c/0/1": No space '
                             "left on device [os_error_code='28'] [source locations='...']")

    real = fast_zarr.StoreArray.__init__

    def full_when_writing(self, array, store, write):
        real(self, array, store, write)
        if write:
            self._store = type("S", (), {"__getitem__": lambda s, i: Full()})()

    monkeypatch.setattr(fast_zarr.StoreArray, "__init__", full_when_writing)
    with pytest.raises(OutputError, match="the disk is full; free space or write to another"):
        m.denoise(a, "ZYX", output=tmp_path / "out.zarr")
    assert not list(tmp_path.glob("*out*")) and not list(tmp_path.glob(".*"))
    with pytest.raises(ValueError, match="other"):  # any other error stays as it was
        raise fast_zarr._as_os_error(ValueError("other"))
