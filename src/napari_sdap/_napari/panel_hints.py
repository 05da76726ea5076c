"""The shared error messages' hints, said for napari users.

The engine's and the API's messages end with what to change in Python and on the command line
(``napari_sdap.train``, ``--axes ZYX``); in the panels the same change is made in a panel or a
field, so the panels' error display (`controls.report_error` and the workers' errors) says that
instead. Messages without such a hint pass unchanged.
"""

from __future__ import annotations

import re
from typing import TypeVar

__all__ = ["for_panels", "in_panel_words"]

_PLANES_2D = "'each plane on its own (2-D)'"

_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" \(napari_sdap\.train, or napari-sdap denoise --train\)"),
     " in the Train panel"),
    (re.compile(r"give the axes: axes='([A-Z]+)' \(--axes \1\)"),
     r"type \1 in the axes field"),
    (re.compile(r"in its axes \(e\.g\. axes='([A-Z]+)', CLI --axes \1\)"),
     r"in the axes field (e.g. \1)"),
    (re.compile(r",? (?:with|e\.g\.) napari_sdap\.train\(image, model=model\)"),
     " in the Train panel"),
    (re.compile(r"give axes='([A-Z]+)' \(a 3-D array is read as ZYX unless its last axis has 3 "
                r"or 4 entries\)"),
     r"type \1 in the axes field"),
    (re.compile(r"\(command line: --axes (\w+) or (\w+); Python: axes='\w+'\)"),
     r"(type \1 or \2 in the axes field)"),
    (re.compile(r" or stride=1 \(command line: --stride 1\)"),
     " or stride 1 (Train panel, Advanced)"),
    (re.compile(r" with --model / load_model, and images as inputs"),
     " with Load model, and images as layers"),
    (re.compile(r"overwrite \(CLI: --overwrite\) replaces only"),
     "replacing (Save as) overwrites only"),
    (re.compile(r"; student=True forces it\)"),
     "; 'distil a fast student' in the Train panel forces it)"),
    (re.compile(r"use dims=2, a smaller z_context, or z_step=1 to use the neighbouring planes "
                r"anyway"),
     f"choose {_PLANES_2D} or fewer planes each side under Advanced > stack planes"),
    (re.compile(r"use dims=2, or z_step=1 to use the neighbouring planes anyway"),
     f"choose {_PLANES_2D} under Advanced > stack planes"),
    (re.compile(r"give axes with ([ZT]), or use dims=2 \(each plane on its own\)"),
     rf"type axes with \1 in the axes field, or choose {_PLANES_2D} under Advanced > stack "
     rf"planes"),
    (re.compile(r" or mode='bsn' \(needs 4\)"), " or the mode bsn (needs 4)"),
    (re.compile(r"the model given \(model=\) is 3-D and its dims apply \(dims= does not change "
                r"them\)"), "the model is 3-D and keeps its planes when it trains further"),
    (re.compile(r"\(dims=2 without model=\)"), f"(Train, not Continue, with {_PLANES_2D})"),
    (re.compile(r"\(without model=\)"), "(Train, not Continue)"),
    (re.compile(r"use dims=2(?:, or a smaller z_(?:context|step))+"),
     f"choose {_PLANES_2D} or fewer planes each side under Advanced > stack planes"),
    (re.compile(r"use dims=2"), f"choose {_PLANES_2D} under Advanced > stack planes"),
    (re.compile(r"train a 2-D model \(dims=2\) to export"),  # (Export of a 3-D model)
     f"train a 2-D model to export (Train with {_PLANES_2D} under Advanced > stack planes)"),
    (re.compile(r"this is a 3-D model \(network\.dims=3, along ([ZT])\)"),
     r"this is a 3-D model (trained with neighbouring planes along \1)"),
    # Save as... / Save model... / Export with a path given from a script (their dialogs ask
    # before replacing; the panels' methods take no overwrite=)
    (re.compile(r"save the image with Y and X as its last axes first \(e\.g\. numpy\.moveaxis\), "
                r"or write a plain \.zarr output, which keeps any order \(Python API: "
                r"output='result\.zarr'\)"),
     "save it as OME-Zarr instead (Save as..., OME-Zarr), which takes any order (stored in "
     "OME's order)"),
    (re.compile(r"write a TIFF \(command line: --format tif\) or a plain \.zarr output, which "
                r"keep any axes"),
     "save it as TIFF instead (Save as..., TIFF), which keeps any axes"),
    (re.compile(r"pass overwrite=True \(CLI: --overwrite\) to replace it, or choose another path"),
     "choose another path, or choose this one in the Save as... dialog, which asks before "
     "replacing it"),
    # an output folder (or Save as... file) inside the store a layer was read from: the panels
    # have no output path or array
    (re.compile(r"choose another output path or array"),
     "choose another output folder in the Denoise panel (for Save as..., another file)"),
    (re.compile(r"choose another name or pass overwrite=True \(CLI(?: train)?: --overwrite\)"),
     "choose another name, or choose this one in the panel's save dialog, which asks before "
     "replacing it"),
)

E = TypeVar("E", bound=BaseException)


def for_panels(message: str) -> str:
    """`message` with its Python / command-line hints replaced by the panels' own."""
    for pattern, replacement in _HINTS:
        message = pattern.sub(replacement, message)
    return message


def in_panel_words(err: E) -> E:
    """`err` itself, its message said `for_panels` (napari shows a worker's error as it is
    raised, so the message is changed where the error leaves the worker)."""
    if len(err.args) == 1 and isinstance(err.args[0], str):
        err.args = (for_panels(err.args[0]),)
    return err
