"""Names of settings are taken in any letter case, as `device="CPU"` always was."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.cli.parser import build_parser
from napari_sdap.config import SDAPConfig
from napari_sdap.infer.passes import resolve_mode
from napari_sdap.presets import config_from_preset


def test_config_names_in_any_case() -> None:
    cfg = SDAPConfig.model_validate({
        "training": {"loss": "L2", "lr_schedule": " Constant", "precision": "Float32"},
        "network": {"along": "t"},
        "inference": {"mode": "BSN"},
        "student": {"student": "Auto", "target_blur": "AUTO"},
        "channel_mode": "Joint"})
    assert (cfg.training.loss, cfg.training.lr_schedule, cfg.training.precision) == (
        "l2", "constant", "float32")
    assert (cfg.network.along, cfg.inference.mode, cfg.channel_mode) == ("T", "bsn", "joint")
    assert (cfg.student.student, cfg.student.target_blur) == ("auto", "auto")


def test_unknown_names_still_refused() -> None:
    with pytest.raises(ValueError, match="loss"):
        SDAPConfig.model_validate({"training": {"loss": "L3"}})
    with pytest.raises(ValueError, match="along"):
        SDAPConfig.model_validate({"network": {"along": "x"}})


def test_modes_and_presets_in_any_case() -> None:
    assert resolve_mode("SDAP_E", 2) == "sdap_e"
    assert resolve_mode("Auto", 1) == "bsn"
    assert config_from_preset("FAST").network.preset == "fast"


def test_cli_choices_in_any_case() -> None:
    args = build_parser().parse_args(["denoise", "in.tif", "-o", "out", "--train", "--mode",
                                      "BSN", "--format", "Zarr"])
    assert (args.mode, args.format) == ("bsn", "zarr")


def test_train_takes_a_preset_in_any_case() -> None:
    from napari_sdap.api.training import train

    img = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    model = train(img, preset="Tiny", steps=1, student=False, device="CPU")
    assert model.config.network.preset == "tiny"


def test_cli_reports_an_unknown_name_as_typed(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "in.tif", "--model", "m.safetensors",
                                   "--along", "inf"])
    assert "invalid choice: 'inf'" in capsys.readouterr().err
