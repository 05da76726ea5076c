"""The refusal of a bad `dims` names what to give instead.

Regression: every bad value got "(got 4; 2.0 is a float)", a hint about floats for values that
are not floats (dims=4, dims='3')."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.api.volume import choose_dims
from napari_sdap.errors import ConfigError


@pytest.mark.parametrize(("dims", "hint"), [
    (4, "(got 4)"), ("3", "(got '3'); give the number, not text"),
    (3.0, "(got 3.0); a float is refused: give the whole number 2 or 3"),
    ("4d", "(got '4d')")])
def test_bad_dims_gets_a_hint_that_fits(dims, hint):
    with pytest.raises(ConfigError, match="dims must be 2, 3 or 'auto'") as err:
        choose_dims(dims, [], "Z", 1, 1)
    text = str(err.value)
    assert text.endswith(hint), text
    assert "2.0 is a float" not in text


def test_good_dims_still_pass():
    assert choose_dims(np.int64(2), [], "Z", 1, 1)[0] == 2
