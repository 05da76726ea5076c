"""`--axes "Z Y X"` was refused naming "unknown letter(s) " with nothing after it (a space);
each unknown character is quoted, so the space shows."""

from __future__ import annotations

import pytest

from napari_sdap.cli import main


@pytest.mark.parametrize(("value", "shown"), [("Z Y X", "unknown letter(s) ' '"),
                                              ("QYX", "unknown letter(s) 'Q'")])
def test_unknown_axes_letters_are_quoted(capsys, value, shown):
    code = main(["denoise", "a.tif", "--model", "m.safetensors", "-o", "out", "--axes", value])
    assert code == 2
    assert shown in capsys.readouterr().err
