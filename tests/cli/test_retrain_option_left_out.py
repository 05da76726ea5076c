"""The refusal of a `denoise --train` re-run whose options changed shows an option left out as
"(not given)". Regression: `--z-step 1`, then a re-run without it, said "z_step 1 -> None"."""

from __future__ import annotations

from napari_sdap.cli.retrain import _what_changed


def test_an_option_left_out_reads_not_given() -> None:
    text = _what_changed({"inputs": {}, "settings": {"z_step": 1, "seed": 0}},
                         {"inputs": {}, "settings": {"seed": 5}})
    assert text == "training options changed: seed 0 -> 5, z_step 1 -> (not given)", text
    text = _what_changed({"inputs": {}, "settings": {}}, {"inputs": {}, "settings": {"loss": "l2"}})
    assert text == "training options changed: loss (not given) -> 'l2'", text
