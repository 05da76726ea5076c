"""A 3-D model given an image without its Z axis names the command line's fix.

`napari-sdap denoise movie.tif --model m3.safetensors` (a TYX file, a ZYX model) ended in
"give the image's Z axis in its axes (e.g. 'ZYX')": no option of the command is called that;
the message names `--axes ZYX` too (and `axes='ZYX'` for Python).
"""

from __future__ import annotations

import pytest

from napari_sdap.axes import plane_view
from napari_sdap.errors import InputError
from napari_sdap.model.volume import volume_view


def test_the_fix_names_the_option_and_the_argument():
    view = plane_view((6, 16, 16), "TYX")
    with pytest.raises(InputError) as err:
        volume_view(view, "Z", 1, 1, trained=True)
    text = str(err.value)
    assert "needs a Z axis" in text and "--axes ZYX" in text and "axes='ZYX'" in text


def test_the_panels_say_the_axes_field():
    from napari_sdap._napari.panel_hints import for_panels

    view = plane_view((6, 16, 16), "TYX")
    with pytest.raises(InputError) as err:
        volume_view(view, "Z", 1, 1, trained=True)
    text = for_panels(str(err.value))
    assert "in the axes field (e.g. ZYX)" in text and "--axes" not in text
