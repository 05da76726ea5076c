"""`describe_detail` of a model whose restore measured no gain said "the network output is used
as is", then "then ... of the input blurred ... mixed in": a contradiction on one line. It says
no detail is restored."""

from __future__ import annotations

from napari_sdap.api.model import SDAPModel
from napari_sdap.config import SDAPConfig
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.model.normalize import Normalization


def test_no_gain_and_a_mix_do_not_contradict():
    model = SDAPModel(SDAPConfig())
    model.normalization = Normalization(low=[0.0], high=[1.0])
    model.noise_curve = NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.01, 0.01]]],
                                   strength=0.0, mix=1.0, mix_blur=1.0)
    line = model.describe_detail()
    assert "strength 0: no gain measured on held-out pixels, so no detail is restored" in line
    assert "100 % of the input blurred by 1 px mixed in" in line
    assert "used as is" not in line
