"""`time_budget` values that are refused name the rule and the fix.

`time_budget=float("inf")` was refused as "must be a positive number of seconds (got inf)",
which it is; a string `"30"` (from a text field or a config file) got the same words, and none
named what to give instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from napari_sdap.errors import ConfigError
from napari_sdap.presets import check_budget


@pytest.mark.parametrize("bad", [0, -1, -0.0, math.nan, np.float64("nan"), True, np.True_,
                                 [3], None, 1j])
def test_a_bad_budget_names_the_rule_and_an_example(bad):
    with pytest.raises(ConfigError) as err:
        check_budget(bad)
    text = str(err.value)
    assert text.startswith("time_budget must be a positive number of seconds, finite")
    assert f"(got {bad!r})" in text and text.endswith(
        "give e.g. time_budget=60, or None for the configured steps")


@pytest.mark.parametrize("bad", [math.inf, np.float32("inf")])
def test_an_infinite_budget_is_told_to_give_none(bad):
    with pytest.raises(ConfigError, match=r"finite: .*; give None for the configured steps$"):
        check_budget(bad)


def test_text_is_told_to_give_the_number():
    with pytest.raises(ConfigError, match=r"\(got '30'\); give the number itself, not text$"):
        check_budget("30")


@pytest.mark.parametrize("good", [30, 0.5, np.int64(30), np.float32(1.5), 1e300])
def test_good_budgets_are_taken(good):
    assert check_budget(good) == float(good)
