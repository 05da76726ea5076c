"""A stack too thin along Z but holding planes along T (TZYX with Z=1, a time-lapse saved as
a hyperstack) is told about along='T'. Regression: `train(movie, axes="TZYX", dims=3)` said
only "use dims=2", although the T axis held enough planes for a 3-D model along T."""

from __future__ import annotations

import pytest

from napari_sdap.axes import plane_view
from napari_sdap.errors import InputError
from napari_sdap.model.volume import volume_view


def test_thin_z_with_a_long_t_names_along_t() -> None:
    view = plane_view((9, 1, 32, 32), "TZYX", "auto")
    with pytest.raises(InputError, match=r"has 1; use dims=2, or along='T' \(its 9 planes") as e:
        volume_view(view, "Z", 1, 1)
    assert "--" not in str(e.value)


def test_no_hint_when_the_other_axis_is_thin_too_or_the_model_exists() -> None:
    view = plane_view((2, 1, 32, 32), "TZYX", "auto")
    with pytest.raises(InputError) as e:
        volume_view(view, "Z", 1, 1)
    assert "along=" not in str(e.value)
    view = plane_view((9, 1, 32, 32), "TZYX", "auto")
    with pytest.raises(InputError) as e:
        volume_view(view, "Z", 1, 1, trained=True)  # a trained model's axis cannot change
    assert "along=" not in str(e.value)
