"""Images given as objects numpy can convert but that are not arrays: a pandas DataFrame (a
shape, no dtype) raised a raw AttributeError ('DataFrame' object has no attribute 'dtype') from
`denoise`, `train` and `quality_report`; a PIL image was refused without the fix. Both are an
`InputError` naming the type and `np.asarray(image)`; an object numpy cannot convert is
refused as before, without that hint."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import InputError


def _image() -> np.ndarray:
    return np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)


def _table():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(_image())


def _picture():
    image = pytest.importorskip("PIL.Image")
    return image.fromarray(_image().astype(np.uint8))


@pytest.mark.parametrize("make", [_table, _picture], ids=["DataFrame", "PIL"])
def test_convertible_objects_name_np_asarray(make) -> None:
    thing = make()
    name = type(thing).__name__
    match = rf"got {name}; convert it first with np\.asarray\(image\)"
    with pytest.raises(InputError, match=match):
        napari_sdap.train(thing, preset="tiny", steps=1, device="cpu")
    with pytest.raises(InputError, match=match):
        napari_sdap.quality_report(thing, _image())


def test_denoise_of_a_table_and_the_converted_table() -> None:
    model = napari_sdap.train(_image(), preset="tiny", steps=1, device="cpu", student=False)
    table = _table()
    with pytest.raises(InputError, match=r"got DataFrame; convert it first"):
        model.denoise(table)
    assert model.denoise(np.asarray(table)).shape == (32, 32)


def test_other_objects_get_no_conversion_hint() -> None:
    with pytest.raises(InputError, match=r"got object$"):
        napari_sdap.train(object(), preset="tiny", steps=1, device="cpu")
