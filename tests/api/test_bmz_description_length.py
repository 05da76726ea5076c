"""bioimage.io export: a description longer than bioimage.io takes (1024 characters) is refused
before any work, naming the limit and the fix (regression: a raw pydantic ValidationError from
bioimageio.spec after the test tensors and weights were computed)."""

from __future__ import annotations

import os
from unittest import mock

import numpy as np
import pytest
from api_helpers import untrained_tiny

from napari_sdap.errors import InputError

if not os.environ.get("CI"):  # CI installs the [bmz] extra: a missing library must fail there
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")


def _trained():
    model = untrained_tiny()
    model.record.steps = 1  # exportable: it has a normalisation and a step
    return model


def test_a_description_beyond_1024_characters_is_refused_before_any_work(tmp_path):
    sample = np.random.default_rng(0).uniform(100, 1100, (64, 64)).astype(np.float32)
    with mock.patch("napari_sdap.api.bmz.export.Exported",
                    side_effect=AssertionError("the package was being built")), \
            pytest.raises(InputError, match=r"description has 1500 characters.*at most 1024"
                                            r".*shorten it"):
        _trained().export_bmz(tmp_path / "m.zip", sample=sample, description="x" * 1500)
    assert list(tmp_path.iterdir()) == []


def test_descriptions_bioimage_io_takes_are_kept():
    from bioimageio.spec.model.v0_5 import ModelDescr

    from napari_sdap.api.bmz.describe import DESCRIPTION_MAX, description_of

    assert DESCRIPTION_MAX == ModelDescr.model_fields["description"].metadata[0].max_length
    assert description_of("  " + "y" * 1024 + "  ") == "y" * 1024  # spaces around do not count
    assert description_of("   ") is None and description_of(None) is None
    with pytest.raises(InputError, match="must be a text"):
        description_of(5)
