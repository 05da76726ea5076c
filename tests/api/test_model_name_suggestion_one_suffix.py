"""A model file name refused for its ending (`m.safetensors.tif`, `m.safetensors.pt`) was told to
give `m.safetensors.safetensors`; the suggestion ends in `.safetensors` once."""

from __future__ import annotations

import pytest

from napari_sdap.api.model_name import check_model_name
from napari_sdap.errors import OutputError


@pytest.mark.parametrize("name, suggested", [("m.safetensors.tif", "m.safetensors"),
                                             ("m.SafeTensors.pt", "m.SafeTensors"),
                                             ("m.tif", "m.safetensors"),
                                             ("m.pth", "m.safetensors")])
def test_the_suggested_name_ends_in_safetensors_once(tmp_path, name, suggested) -> None:
    with pytest.raises(OutputError) as err:
        check_model_name(tmp_path / name)
    message = str(err.value)
    assert message.endswith(f"give e.g. {tmp_path / suggested}"), message
