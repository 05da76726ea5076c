"""Models trained for correlated noise start the detail restore's gate from the noise's
correlation at the training stride (`api.noise_curve.reach_base`, `infer.noise_reach`)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import napari_sdap
from napari_sdap.api.noise_curve import CORRELATED_THRESHOLD, DECORRELATED_THRESHOLD
from napari_sdap.infer.noise_reach import DECORRELATED

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "steps": 10, "device": "cpu"}


def _image(edge: int, seed: int = 0) -> np.ndarray:
    """A gently varying image with box-filtered noise of std 12, correlated up to ``edge - 1``
    pixels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:128, :128]
    clean = 150.0 + 20.0 * np.sin(xx / 29.0) * np.cos(yy / 31.0)
    w = rng.normal(0, 1, (128 + edge - 1, 128 + edge - 1))
    box = sum(w[dy:dy + 128, dx:dx + 128] for dy in range(edge) for dx in range(edge)) / edge
    return (clean + 12.0 * box).astype(np.float32)


@pytest.mark.parametrize(("edge", "base"), [(2, DECORRELATED_THRESHOLD),
                                            (3, CORRELATED_THRESHOLD)])
def test_the_gate_starts_from_the_noise_at_the_stride(edge: int, base: float,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        model = napari_sdap.train(_image(edge), "YX", stride=2, **TINY)
    said = [r.getMessage() for r in caplog.records if "correlation at the stride" in r.getMessage()]
    capped = (", its noise curve capped against texture if the noise reads Gaussian-like"
              if edge == 2 else ", its noise reading raised to the input's where lower")
    assert said and said[-1].endswith(f"gate starts at threshold {base:g}{capped}")
    curve = model.noise_curve
    assert curve is not None and curve.threshold >= base
    assert curve.reach is not None and (curve.reach < DECORRELATED) == (edge == 2)
    assert said[-1].startswith(f"noise correlation at the stride (2 px): {curve.reach:.2f};")
    assert (f"lowest threshold tried {base:g}: the noise's correlation at the 2-px training "
            f"stride reads {curve.reach:.2f}") in model.describe_detail()
    assert ("the gate's noise reading raised" in model.describe_detail()) == (edge == 3)


def test_the_reading_travels_in_the_model_file(tmp_path) -> None:
    model = napari_sdap.train(_image(2), "YX", stride=2, **TINY)
    model.save(tmp_path / "m.sdap")
    read = napari_sdap.load_model(tmp_path / "m.sdap")
    assert read.noise_curve.reach == model.noise_curve.reach is not None
    assert read.describe_detail() == model.describe_detail()
    old = model.noise_curve.model_copy(update={"reach": None})  # a curve saved before the field
    model.noise_curve = old
    assert "lowest threshold tried" not in model.describe_detail()


def test_a_known_level_still_starts_at_its_own_threshold(caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    from napari_sdap.api.noise_curve import KNOWN_THRESHOLD

    with caplog.at_level(logging.INFO, logger="napari_sdap"):
        model = napari_sdap.train(_image(3), "YX", stride=2, noise_std=12.0, **TINY)
    assert not any("correlation at the stride" in r.getMessage() for r in caplog.records)
    assert model.noise_curve.threshold >= KNOWN_THRESHOLD and model.noise_curve.reach is None
