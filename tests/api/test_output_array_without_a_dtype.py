"""An output given as an object with a shape and items but no dtype (a pandas DataFrame, a
duck-typed buffer) passed the output check and ended in a raw AttributeError ("'DataFrame'
object has no attribute 'dtype'") once the tiles were written, from `iter_denoise` and
`denoise(output=...)`; it is an `OutputError` naming the type, before any work, and the
target is left untouched."""

from __future__ import annotations

import numpy as np
import pytest

import napari_sdap
from napari_sdap.errors import OutputError


class _NoDtype:
    def __init__(self, shape: tuple[int, int]) -> None:
        self.data = np.zeros(shape, np.float32)
        self.shape = shape

    def __setitem__(self, key, value) -> None:
        self.data[key] = value


@pytest.fixture(scope="module", name="model")
def model_fixture():
    image = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    return napari_sdap.train(image, preset="tiny", steps=1, device="cpu", student=False), image


def test_an_output_without_a_dtype_is_refused_before_any_work(model) -> None:
    model, image = model
    out = _NoDtype(image.shape)
    with pytest.raises(OutputError, match=r"out must be an array of the image's shape .*got "
                                          r"_NoDtype"):
        list(model.iter_denoise(image, out))
    with pytest.raises(OutputError, match="got _NoDtype"):
        model.denoise(image, output=out)
    assert not out.data.any()


def test_a_pandas_table_as_output(model) -> None:
    pd = pytest.importorskip("pandas")
    model, image = model
    table = pd.DataFrame(np.zeros(image.shape))
    with pytest.raises(OutputError, match="got DataFrame"):
        list(model.iter_denoise(image, table))
    assert not table.to_numpy().any()
