"""The Save as... dialog of the Denoise panel starts in the output folder chosen, else in the
home folder: never in the cache folder, whose contents do not last."""

from __future__ import annotations

from pathlib import Path

import pytest

from napari_sdap._napari.output_panel import OutputPanel


@pytest.fixture
def started(qtbot, monkeypatch):
    from qtpy.QtWidgets import QFileDialog

    seen: list[str] = []

    def dialog(parent, title, start, kinds):
        seen.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return seen


def test_the_dialog_starts_outside_the_cache(qtbot, started, _cache_in_tmp):
    """Regression: it started in the cache folder (~/.cache/napari-sdap/outputs), so a
    result saved by pressing Save went where Clear cache's neighbours and the OS clear."""
    panel = OutputPanel(lambda question: True, set)
    qtbot.addWidget(panel)
    assert panel.ask_save_path("cells [SDAP]") == ("", False)
    start = Path(started[-1])
    assert start.name == "cells [SDAP].tif"
    assert start.parent == Path.home()
    assert _cache_in_tmp not in start.parents


def test_the_dialog_starts_in_the_output_folder_chosen(qtbot, started, tmp_path):
    panel = OutputPanel(lambda question: True, set)
    qtbot.addWidget(panel)
    panel.folder.setText(str(tmp_path / "results"))
    panel.ask_save_path("cells [SDAP]")
    assert Path(started[-1]) == tmp_path / "results" / "cells [SDAP].tif"


@pytest.mark.parametrize("name", ["a/b [SDAP]", "x\ny [SDAP]", '*?<>|:" [SDAP]',
                                  "a" * 300 + " [SDAP]", ".. [SDAP]", "C:\\scan [SDAP]"])
def test_the_suggested_name_is_a_file_name(qtbot, started, name):
    """Regression: the layer's name went in as it was: 'a/b [SDAP]' suggested a file in a
    folder 'a' that does not exist, 300 characters a name the disk refuses."""
    panel = OutputPanel(lambda question: True, set)
    qtbot.addWidget(panel)
    panel.ask_save_path(name)
    start = Path(started[-1])
    assert start.parent == Path.home(), start
    assert start.name.endswith(" [SDAP].tif") or start.name.endswith(".tif")
    assert not set(start.name) & set('/\\:*?"<>|\n'), start.name
    assert len(start.name.encode()) <= 255


def test_a_plain_name_is_kept_as_it_is():
    from napari_sdap._napari.output_panel import file_name

    assert file_name("cells [SDAP]") == "cells [SDAP]"
    assert file_name("名前 µm [SDAP bsn 2]") == "名前 µm [SDAP bsn 2]"
    assert file_name(" ... ") == "result"
