"""Where the Denoise panel's results go: output folder, the cache it fills, saving a copy."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from napari_sdap._napari import store as stores
from napari_sdap._napari.controls import WrapLabel, ask, button_row
from napari_sdap._napari.devices import format_bytes

__all__ = ["OutputPanel"]

_SAVE_KINDS = "TIFF (*.tif);;OME-Zarr (*.ome.zarr)"


def file_name(name: str) -> str:
    """A file name for a layer's `name` to start the save dialog with: path separators,
    characters Windows refuses and control characters replaced, ends trimmed, at most 200
    bytes; 'result' when nothing is left (a layer name like 'a/b' named a missing folder)."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", name).strip(" .")
    while len(safe.encode()) > 200:
        safe = safe[:-1]
    return safe.rstrip(" .") or "result"


def with_ending(path: str, ending: str) -> str:
    """`path` with the file ending of the chosen kind (`.tif`, `.ome.zarr`): a name typed
    without one, or with the other kind's, gets it (`.tiff` stays a TIFF)."""
    path = path.rstrip(". ")  # Windows drops trailing dots and spaces anyway
    low = path.lower()
    if ending == ".tif" and low.endswith((".tif", ".tiff")):
        return path
    if low.endswith(ending):
        return path
    for other in (".ome.zarr", ".zarr", ".ome.tiff", ".ome.tif", ".tiff", ".tif", ".ome"):
        if low.endswith(other):
            return path[: -len(other)] + ending
    return path + ending


class OutputPanel(QWidget):
    """Output folder (empty: the cache folder), the cache's size with a Clear button, a
    "compare" switch (a new layer per run) and "Save result as..." for the last result.

    `confirm(question) -> bool` asks before the cache is cleared."""

    def __init__(self, confirm: Callable[[str], bool], in_use: Callable[[], set[str]]) -> None:
        super().__init__()
        self.confirm, self.in_use = confirm, in_use
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("empty: the napari-sdap cache folder")
        self.folder.setToolTip("Folder the results are streamed into (zarr stores); empty: the "
                               f"cache folder {stores.default_folder()}")
        self.browse = QPushButton("...")
        self.browse.setToolTip("Choose the output folder")
        self.compare = QCheckBox("new layer per run (compare modes and models)")
        self.compare.setToolTip("On: every run adds its own layer, e.g. 'cells [SDAP bsn]' and "
                                "'cells [SDAP sdap_e]'. Off: a run replaces 'cells [SDAP]'.")
        self.cache = WrapLabel()
        self.clear_btn = QPushButton("Clear cache")
        self.clear_btn.setToolTip("Delete the results kept in the cache folder and what crashed "
                                  "runs left there (results shown in any viewer, or read by "
                                  "another napari, are kept)")
        self.save_btn = QPushButton("Save as...")
        self.save_btn.setToolTip("Write the last finished result as TIFF or OME-Zarr")
        self.save_btn.setEnabled(False)
        row = button_row(self.folder, self.browse)
        cache_row = QHBoxLayout()
        cache_row.addWidget(self.cache, 1)
        cache_row.addWidget(self.clear_btn)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addLayout(row)
        box.addLayout(cache_row)
        box.addWidget(self.compare)
        self.browse.clicked.connect(self._browse)
        self.clear_btn.clicked.connect(lambda: self.clear())
        self.refresh()

    def target_folder(self) -> Path:
        """The absolute folder results go to (the cache folder when the field is empty)."""
        text = self.folder.text().strip()
        return Path(text).expanduser().absolute() if text else stores.default_folder()

    def refresh(self) -> None:
        """Show how much the cache folder holds."""
        from napari_sdap._napari.results import cache_usage

        size, count = cache_usage(stores.default_folder())
        self.cache.setText(f"Cache: {format_bytes(size)} in {count} result(s)")
        self.cache.setToolTip(str(stores.default_folder()))
        self.clear_btn.setEnabled(count > 0)

    def clear(self) -> tuple[int, int]:
        """Delete the cached results no viewer or napari uses (after asking); (deleted, kept)."""
        from napari_sdap._napari.results import cache_usage, clear_cache

        size, count = cache_usage(stores.default_folder())
        if not count or not self.confirm(f"Delete {count} cached result(s) "
                                         f"({format_bytes(size)}) from "
                                         f"{stores.default_folder()}? Results shown in any "
                                         f"viewer (or another napari) are kept."):
            return 0, 0
        done = clear_cache(stores.default_folder(), self.in_use())
        self.refresh()
        return done

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder", str(self.target_folder()))
        if path:
            self.folder.setText(path)

    def ask_save_path(self, name: str) -> tuple[str, bool]:
        """A path chosen in a save dialog ('' when cancelled); True: the dialog confirmed
        replacing an existing file."""
        # the output folder chosen, else the home folder: never the cache folder, which the OS
        # and cleaners may empty (a copy saved there by just pressing Save would not last)
        folder = self.target_folder() if self.folder.text().strip() else Path.home()
        start = str(folder / f"{file_name(name)}.tif")
        path, kind = QFileDialog.getSaveFileName(self, "Save result as", start, _SAVE_KINDS)
        if not path:
            return "", False
        wanted = with_ending(path, ".ome.zarr" if "OME-Zarr" in kind else ".tif")
        if wanted == path:
            return path, True  # the dialog asked before an existing file was chosen
        if Path(wanted).exists() and not ask(self, f"{wanted} already exists. Replace it?"):
            return "", False
        return wanted, Path(wanted).exists()

    def save(self, layer: Any, axes: str, path: str | None = None,
             opened: Sequence[tuple[str, str]] = ()) -> Path | None:
        """Save `layer` (a finished result) to `path` (a dialog when None); a `path` given here
        never replaces an existing file, and no path replaces a file of `opened` (layer name,
        file: the files the viewer's layers were read from)."""
        from napari_sdap._napari.results import check_not_opened, save_result

        overwrite = False
        if path is None:
            path, overwrite = self.ask_save_path(layer.name)
            if not path:
                return None
        check_not_opened(path, list(opened))
        return save_result(layer, axes, path, overwrite=overwrite)
