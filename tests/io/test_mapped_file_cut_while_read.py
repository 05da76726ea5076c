"""A memory-mapped input (.npy, uncompressed TIFF) cut shorter after it was opened: `np.save`
over the same file in a notebook while a `lazy=True` result of it waits, or an acquisition
rewriting it during a run. The next read past the new end was a SIGBUS that killed the process
(a notebook's kernel: exit 135) without a word; it is an `InputError` naming the file and its
sizes. Run in a subprocess, so that the crash it guards against cannot take pytest with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import tifffile
    import napari_sdap
    from napari_sdap.errors import InputError

    path = sys.argv[1]
    stack = np.arange(8 * 64 * 64, dtype=np.float32).reshape(8, 64, 64)
    if path.endswith(".npy"):
        np.save(path, stack)
    else:
        tifffile.imwrite(path, stack)
    source = napari_sdap.open_image(path, "ZYX")
    first = np.asarray(source.array[0])
    with open(path, "r+b") as f:
        f.truncate(4096)  # (as np.save of a smaller array over it does first)
    try:
        np.asarray(source.array[7])
    except InputError as err:
        print("refused:", err)
    """)


@pytest.mark.parametrize("name", ["cells.npy", "cells.tif"])
def test_a_mapped_input_cut_short_is_refused_not_a_crash(tmp_path: Path, name: str) -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / name)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert f"refused: {tmp_path / name}: the file was cut to 4096 bytes while it was read" \
        in run.stdout, run.stdout + run.stderr[-2000:]


def test_an_unchanged_mapped_input_reads_as_before(tmp_path: Path) -> None:
    import napari_sdap

    stack = np.arange(2 * 32 * 32, dtype=np.uint16).reshape(2, 32, 32)
    np.save(tmp_path / "a.npy", stack)
    with napari_sdap.open_image(tmp_path / "a.npy", "ZYX") as src:
        assert np.array_equal(np.asarray(src.array), stack)
