"""With --workers, a file whose channels the model does not take is refused naming its shape.

Regression: a 2-channel CZYX zarr (2, 6, 200, 256) given to a 1-channel model with `--workers 2
--split-mpix 0.1` started the cluster, split the file into plane ranges, and each piece was
refused: "the image (CZYX, shape (2, 1, 200, 256)) has 2" - a shape that is not the file's.
The channels are now checked when the client probes the file, before any cluster work.
"""

from __future__ import annotations

import json

import numpy as np
from cli_fixtures import model_file_fixture  # noqa: F401 (fixture)
from extras import needs

from napari_sdap.cli import main

needs("distributed", "distributed")


def test_two_channel_stack_refused_with_its_own_shape(model_file, tmp_path, capsys):
    import zarr

    raw = tmp_path / "raw"
    raw.mkdir()
    z = zarr.create_array(raw / "czyx.zarr", shape=(2, 6, 40, 48), chunks=(1, 1, 40, 48),
                          dtype="float32", dimension_names=["c", "z", "y", "x"])
    z[...] = np.random.default_rng(0).random(z.shape, dtype=np.float32)
    code = main(["denoise", str(raw), "--model", str(model_file), "--device", "cpu",
                 "--threads", "1", "--output", str(tmp_path / "out"), "--workers", "2",
                 "--split-mpix", "0.001"])
    cap = capsys.readouterr()
    err, said = cap.err, cap.out + cap.err
    assert code == 1
    assert "czyx.zarr" in err and "shape (2, 6, 40, 48)) has 2" in err, err
    assert "(2, 1, 40, 48)" not in said and "cluster:" not in said  # refused before the cluster
    rec = json.loads((tmp_path / "out" / "sdap_run.json").read_text())
    entry = rec["files"]["czyx_sdap.tif"]
    assert entry["status"] == "failed" and "(2, 6, 40, 48)" in entry["error"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sdap_run.json"]
