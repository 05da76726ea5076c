"""mode="AUTO" (or " auto") is auto: it follows the model's config.inference.mode as "auto" does
(regression: any other spelling skipped the configured mode, so a model set to "bsn" denoised
with "sdap_e" and gave another result)."""

from __future__ import annotations

import numpy as np
import pytest
from api_helpers import untrained_tiny


@pytest.mark.parametrize("spelling", ["AUTO", " auto ", "Auto"])
def test_any_spelling_of_auto_follows_the_configured_mode(spelling):
    model = untrained_tiny()
    model.config.inference.mode = "bsn"
    assert model.resolve_mode(spelling) == "bsn"
    image = np.random.default_rng(0).uniform(100, 1100, (48, 48)).astype(np.float32)
    np.testing.assert_array_equal(model.denoise(image, mode=spelling, device="cpu"),
                                  model.denoise(image, device="cpu"))
