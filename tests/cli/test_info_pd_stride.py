"""`napari-sdap info` showed `pd stride 2` for a stride-1 model that denoises with `bsn` or its
student, where the pixel-shuffle stride is used by modes `sdap` and `sdap_e` only; it says
so there."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.cli import main


@pytest.mark.parametrize(("stride", "said"), [(1, "pd stride 2 (for modes sdap, sdap_e);"),
                                              (2, "pd stride 2;")])
def test_info_says_where_the_pd_stride_applies(tmp_path, capsys, stride, said):
    image = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    model = napari_sdap.train(image, "YX", preset="tiny", steps=2, stride=stride,
                              student=False, width=8, blocks=1, device="cpu")
    path = tmp_path / "m.safetensors"
    model.save(path)
    assert main(["info", str(path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("inference"))
    assert said in line
