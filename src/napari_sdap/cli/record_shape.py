"""What a run record read from disk must look like before anything relies on it.

A record that is valid JSON of another shape (`"runs": {}`, an entry that is a string, a list
at the top) is refused like one that is not JSON at all: taking it as a fresh record would
forget what it said, and reading it further ended in an unexpected `AttributeError`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["shape_problem"]


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value),
                                                                    type(value).__name__)


def shape_problem(loaded: Any) -> str | None:
    """What is wrong with the shape of a loaded record, or None where it is fine: an object
    whose `files` (when there) maps names to objects, whose `runs` is a list of objects and
    whose `trained_model` is an object with its `inputs` an object and `previous` a list."""
    if not isinstance(loaded, dict):
        return f"it holds {_kind(loaded)}, not an object"
    files, runs = loaded.get("files", {}), loaded.get("runs", [])
    if not isinstance(files, dict):
        return f"'files' is {_kind(files)}, not an object"
    bad = next((name for name, entry in files.items() if not isinstance(entry, dict)), None)
    if bad is not None:
        return f"the entry of {bad!r} is {_kind(files[bad])}, not an object"
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        return ("'runs' is not a list of objects" if isinstance(runs, list)
                else f"'runs' is {_kind(runs)}, not a list")
    model = loaded.get("trained_model")
    if model is None:
        return None
    if not isinstance(model, dict):
        return f"'trained_model' is {_kind(model)}, not an object"
    for key, kind in (("inputs", dict), ("unreadable", dict), ("settings", dict),
                      ("previous", list)):
        if model.get(key) is not None and not isinstance(model[key], kind):
            return f"'trained_model.{key}' is {_kind(model[key])}, not {_kind(kind())}"
    return None
