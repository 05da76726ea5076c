"""SDAPConfig, presets and flat overrides."""

from __future__ import annotations

import pytest

from napari_sdap.config import SDAPConfig
from napari_sdap.errors import ConfigError
from napari_sdap.presets import PRESETS, apply_overrides, config_from_preset


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_validate(preset):
    cfg = config_from_preset(preset, 3)
    assert cfg.network.preset == preset
    assert cfg.network.in_channels == cfg.network.out_channels == 3


def test_paper_preset_matches_publication():
    n = config_from_preset("paper").network
    assert (n.width, n.blocks) == (128, 9)


def test_flat_overrides_reach_their_sections():
    cfg = config_from_preset("tiny", width=8, blocks=1, steps=5, mode="bsn", seed=4, loss="l2")
    assert (cfg.network.width, cfg.network.blocks, cfg.training.steps) == (8, 1, 5)
    assert cfg.inference.mode == "bsn" and cfg.seed == 4 and cfg.training.loss == "l2"


def test_patch_rounded_to_stride():
    cfg = config_from_preset("tiny", stride=5)
    assert cfg.training.patch_size % 5 == 0


def test_patch_not_multiple_of_stride_is_a_config_error():
    with pytest.raises(ConfigError, match=r"multiple of training\.stride"):
        config_from_preset("tiny", stride=5, patch_size=48)


@pytest.mark.parametrize(("kw", "words"), [
    ({"width": 0}, "network.width"),
    ({"stride": 9}, "training.stride"),
    ({"loss": "huber"}, "training.loss"),
    ({"colour": 1}, "unknown setting 'colour'"),
])
def test_bad_values_name_the_field(kw, words):
    with pytest.raises(ConfigError, match=words):
        config_from_preset("tiny", **kw)


def test_unknown_preset():
    with pytest.raises(ConfigError, match="preset must be one of"):
        config_from_preset("huge")


def test_auto_preset_for_an_untrained_model_says_only_training_takes_it():
    """create_model("auto") said "preset must be one of [...] or 'auto' (got 'auto')"."""
    from napari_sdap.api import create_model

    with pytest.raises(ConfigError, match=r"preset 'auto' picks a preset from the image, so only "
                                          r"training takes it .*give one of \['fast', 'paper', "
                                          r"'tiny'\], e\.g\. create_model\('fast'\)") as err:
        create_model("auto", 1)
    assert "(got 'auto')" not in str(err.value)


def test_json_round_trip():
    cfg = config_from_preset("fast", 1, seed=7)
    assert SDAPConfig.model_validate_json(cfg.model_dump_json()) == cfg
    assert apply_overrides(cfg.model_dump()) == cfg


def test_preset_help_is_generated_from_the_presets():
    from napari_sdap.presets import PRESETS, describe_presets

    text = describe_presets()
    for name, p in PRESETS.items():
        assert f"{name} (C={p['network']['width']}, M={p['network']['blocks']}" in text
