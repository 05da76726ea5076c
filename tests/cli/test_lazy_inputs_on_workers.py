"""A picture (read lazily, through dask) given to `denoise --workers 1` never ended: inside a
cluster task dask's default scheduler is the cluster itself, whose one worker thread was the
task waiting for the read. Tasks read with dask's synchronous scheduler."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from cli_fixtures import smooth_image
from extras import needs


def test_a_picture_with_one_local_worker_is_denoised(tmp_path):
    """Regression: 'napari-sdap denoise cells.png --workers 1' waited forever."""
    needs("distributed", "distributed")
    from PIL import Image

    import napari_sdap

    noisy = smooth_image((48, 48)) + np.random.default_rng(0).normal(0, 0.1, (48, 48))
    picture = np.clip(60 + 120 * noisy, 0, 255).astype(np.uint8)
    Image.fromarray(picture).save(tmp_path / "c.png")
    model_file = tmp_path / "m.safetensors"
    napari_sdap.train(picture.astype(np.float32), preset="tiny", steps=2, width=8, blocks=1,
                      stride=2, device="cpu").save(model_file)
    argv = ["denoise", str(tmp_path / "c.png"), "--model", str(model_file), "-o",
            str(tmp_path / "out"), "--workers", "1", "--device", "cpu", "--threads", "1"]
    code = "import sys; from napari_sdap.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        run = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                             text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the picture was never denoised (the read waited for its own worker)")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "c_sdap.tif").is_file()
