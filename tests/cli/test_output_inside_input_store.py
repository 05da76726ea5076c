"""An input that is an array inside a zarr group (`cells.zarr/raw`) with `--output
cells.zarr/out` (or `train --model cells.zarr/m.safetensors`): the output folder, its record
and lock went into the user's store, which the docs promise is never written into. Refused,
naming the store; an output next to the store is still fine."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from napari_sdap.cli import main


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    group = zarr.open_group("cells.zarr", mode="w")
    group.create_array("raw", shape=(32, 32), dtype="float32")[:] = np.random.default_rng(
        0).poisson(50, (32, 32))
    (tmp_path / "m.safetensors").write_bytes(b"not read: refused before")
    return tmp_path / "cells.zarr"


@pytest.mark.parametrize("argv", [
    ["denoise", "cells.zarr/raw", "--model", "m.safetensors", "-o", "cells.zarr/out"],
    ["denoise", "cells.zarr/raw", "--train", "-o", "cells.zarr/out"],
    ["train", "cells.zarr/raw", "--model", "cells.zarr/m.safetensors"],
])
def test_nothing_written_into_the_input_store(store, capsys, argv):
    before = sorted(p.name for p in store.iterdir())
    code = main([*argv, "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "lies inside the zarr store" in err and "cells.zarr" in err
    assert sorted(p.name for p in store.iterdir()) == before


def test_output_next_to_the_store_is_fine(store, capsys):
    from napari_sdap.cli.safety import check_apart

    check_apart(store.parent / "out", ["cells.zarr/raw"], "--output", folder_ok=True)
