"""`export_bmz` (CLI `export`) given an existing folder as the package path, as many commands
take one for their outputs: named a folder, with a package name inside it to give, not told to
end the folder's name in .zip (a package beside the folder)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap.api.model import create_model
from napari_sdap.errors import OutputError


@pytest.mark.parametrize("name", ["packages", "packages.d"])
def test_a_folder_is_named_with_a_file_name_inside_it(tmp_path, name):
    pytest.importorskip("bioimageio.spec", reason="bioimage.io export needs the [bmz] extra")
    folder = tmp_path / name
    folder.mkdir()
    img = np.random.default_rng(0).normal(0.5, 0.1, (48, 48)).astype(np.float32)
    model = create_model("tiny", width=8, blocks=1)  # (the path is checked first)
    with pytest.raises(OutputError, match="is a folder") as err:
        model.export_bmz(folder, sample=img)
    assert str(folder / "model.zip") in str(err.value)
    assert list(folder.iterdir()) == [] and sorted(tmp_path.iterdir()) == [folder]
