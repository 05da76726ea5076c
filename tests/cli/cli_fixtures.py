"""Fixtures of the CLI tests: small TIFF stacks on disk and a tiny trained model file.

Not a conftest.py: a second module named `conftest` would shadow tests/conftest.py for the
`from conftest import ...` lines of other test packages. Test modules import what they use.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest


def smooth_image(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A smooth 0..1 image: a few Gaussian blobs and an edge."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    img = 0.3 * (xx > shape[1] / 2).astype(np.float32)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, shape[0]), rng.uniform(0, shape[1]), rng.uniform(4, 12)
        img += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return (img / img.max()).astype(np.float32)


def write_stack(path: Path, seed: int, planes: int = 3, size: int = 40) -> np.ndarray:
    """A noisy ZYX float32 ImageJ TIFF with a pixel size, returned as written."""
    import tifffile

    rng = np.random.default_rng(seed)
    img = np.stack([smooth_image((size, size), seed=seed + k) for k in range(planes)])
    img = (img + rng.normal(0, 0.1, img.shape)).astype(np.float32)
    tifffile.imwrite(path, img, imagej=True, resolution=(1 / 0.25, 1 / 0.25),
                     metadata={"axes": "ZYX", "spacing": 0.5, "unit": "um"})
    return img


@pytest.fixture(name="stacks")
def stacks_fixture(tmp_path: Path) -> list[Path]:
    """Three small ZYX TIFF stacks in tmp_path/raw."""
    raw = tmp_path / "raw"
    raw.mkdir()
    paths = [raw / f"cell{i}.tif" for i in range(3)]
    for i, p in enumerate(paths):
        write_stack(p, seed=10 * i)
    return paths


@pytest.fixture(name="model_file", scope="session")
def model_file_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model (width 8, 1 block, 3 steps) trained on a 2-D image, saved once per session."""
    import napari_sdap

    img = smooth_image((48, 48)) + np.random.default_rng(0).normal(0, 0.1, (48, 48))
    model = napari_sdap.train(img.astype(np.float32), preset="tiny", steps=3, width=8, blocks=1,
                              stride=2, device="cpu")
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    model.save(path)
    return path


def digest(path: Path) -> str:
    """SHA-256 of a file (to prove inputs were not modified)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


SLOW_RUN = """
import sys, time
import napari_sdap.api.writing as writing
real = writing.run_tiles
def held(model, job, *a, **k):  # the second file never finishes: a signal must stop it
    for step in real(model, job, *a, **k):
        yield step
        while "cell1" in str(job.image.source.path):
            time.sleep(0.05)
writing.run_tiles = held
from napari_sdap.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""A `python -c` program running the CLI with its arguments, whose file named cell1 never
finishes: a run a signal must stop."""


def wait_inside_second_file(proc: subprocess.Popen, out: Path) -> None:
    """Poll the run record until the first file is done and the second one is running (the
    held run then stays inside it)."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the batch did not reach the second file"
        try:
            files = json.loads((out / "sdap_run.json").read_text())["files"]
        except (OSError, ValueError, KeyError):
            files = {}
        done = files.get("cell0_sdap.tif", {}).get("status") == "done"
        if done and files.get("cell1_sdap.tif", {}).get("status") == "running":
            return
        time.sleep(0.05)
