"""`denoise --train` after its inputs or options changed: never lose the model behind outputs.

An output folder holds the outputs of one model. When the model `denoise --train` trained earlier
no longer matches the inputs or the training options, and outputs made with it exist, the run is
refused: `--model DIR/sdap_model.safetensors` denoises the new inputs with the existing model,
and `--retrain` trains a new one after moving the old model, the outputs it made and their
record entries, untouched, into `DIR/sdap_previous/<model sha256[:12]>/`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from napari_sdap.cli.record import RECORD_NAME, RunRecord, now
from napari_sdap.errors import OutputError

__all__ = ["PREVIOUS", "foreign_model", "made_with", "not_ours", "previous_outputs", "refusal",
           "set_aside"]

PREVIOUS = "sdap_previous"
"""Folder (inside the output folder) that keeps earlier models and the outputs they made."""


def made_with(record: RunRecord, outdir: Path, sha: str | None) -> list[str]:
    """Names of the finished outputs in `outdir` made with the model of hash `sha`."""
    return [name for name, entry in record.files.items()
            if sha and entry.get("model_sha256") == sha and entry.get("status") == "done"
            and (outdir / name).exists()]


def not_ours(record: RunRecord, outputs: list[Path], sha: str | None) -> OutputError | None:
    """The error for a `--train` run (without `--overwrite`) whose outputs exist and were not
    made with the batch's own model of hash `sha` (made with `--model` or another training, or
    not in the record): each would be refused as out of date only after the training, so the
    run is refused before it; None where there are none."""
    def taken(p: Path) -> bool:  # (an unfinished entry: `RunRecord.verdict` decides)
        entry = record.files.get(p.name)
        return p.exists() and (entry is None or (entry.get("status") == "done"
                               and not (sha and entry.get("model_sha256") == sha)))

    found = [p for p in outputs if taken(p)]
    if not found:
        return None
    return OutputError(
        f"{len(found)} output(s) of this run already exist in {found[0].parent}, not made "
        f"with the model --train makes here (e.g. {found[0].name}); pass "
        f"--overwrite to train and replace them, use the model they were made with "
        f"(--model), or choose another --output folder")


def previous_outputs(outdir: Path) -> list[Path]:
    """Everything set aside in `outdir/sdap_previous/*/` (never taken for new inputs)."""
    folder = outdir / PREVIOUS
    if not folder.is_dir():
        return []
    return [p for sub in folder.iterdir() if sub.is_dir() for p in sub.iterdir()]


def _shown(value: Any) -> str:
    """A training option as the refusal of a changed run shows it (None: left out)."""
    return "(not given)" if value is None else repr(value)


def _moved(added: set[str], removed: set[str]) -> list[tuple[str, str]]:
    """(old, new) paths of inputs found under their old names in another folder (a project
    copied or moved, a share mounted elsewhere): said "added: a.tif; removed: a.tif"."""
    was = {Path(k).name: k for k in sorted(removed)}
    return [(was[Path(k).name], k) for k in sorted(added) if Path(k).name in was]


def _what_changed(earlier: dict[str, Any], wanted: dict[str, Any]) -> str:
    old, new = earlier.get("inputs") or {}, wanted["inputs"]
    added, removed = set(new.keys() - old.keys()), set(old.keys() - new.keys())
    moved = _moved(added, removed)
    added -= {k for _, k in moved}
    removed -= {k for k, _ in moved}
    parts = [f"{len(moved)} in another folder: {', '.join(Path(k).name for _, k in moved[:3])} "
             f"(trained from {Path(moved[0][0]).parent}, given from {Path(moved[0][1]).parent})"
             ] if moved else []
    parts += [f"{len(keys)} {word}: {', '.join(sorted(Path(k).name for k in keys)[:3])}"
              for word, keys in (("added", added), ("removed", removed),
                                 ("changed", {k for k in new.keys() & old.keys()
                                              if new[k] != old[k]}))
              if keys]
    was, now = earlier.get("settings") or {}, wanted["settings"] or {}
    if was != now:
        keys = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))
        parts.append("training options changed: " + ", ".join(
            f"{k} {_shown(was.get(k))} -> {_shown(now.get(k))}" for k in keys[:4]))
    return "; ".join(parts) or "the model file changed"


def foreign_model(path: Path, changed: bool) -> OutputError:
    """The error of `--train` where `path` holds a model this batch did not train (or one it
    trained, changed since): never replaced, `--overwrite` included (it concerns outputs)."""
    what = ("is not the model this batch trained (it changed since)" if changed
            else "already exists and was not trained by this batch")
    return OutputError(
        f"{path} {what}; napari-sdap never replaces a model it did not train, not even with "
        f"--overwrite: move it away to train a new one, use it with --model {path} instead of "
        f"--train, or choose another --output folder")


def refusal(path: Path, made: list[str], earlier: dict[str, Any],
            wanted: dict[str, Any]) -> OutputError:
    """The error of a re-run whose training set changed while outputs of the old model exist,
    or whose model file is gone (deleted or moved by hand): `--model` cannot name it then."""
    if not path.is_file():
        return OutputError(
            f"{path}, the model this batch trained and made {len(made)} output(s) here with, "
            f"is missing (deleted or moved); put it back to resume the batch, or pass --retrain "
            f"to train a new model (the outputs of the missing one are moved to "
            f"{path.parent / PREVIOUS}/)")
    return OutputError(
        f"{path} was trained on other inputs or options than this run's "
        f"({_what_changed(earlier, wanted)}), and {len(made)} output(s) here were made with it; "
        f"pass --retrain to train a new model (the old model and its outputs are kept in "
        f"{path.parent / PREVIOUS}/), or use --model {path} instead of --train to denoise the "
        f"new inputs with the existing model")


def _free_folder(base: Path, name: str) -> Path:
    """`base/name`, or `name-2`, `name-3`... where taken; a folder holding nothing but its
    record is one a run stopped in before it moved anything: it is taken again."""
    folder, k = base / name, 1
    while folder.exists() and not _unused(folder):
        k += 1
        folder = base / f"{name}-{k}"
    return folder


def _unused(folder: Path) -> bool:
    try:
        return folder.is_dir() and {p.name for p in folder.iterdir()} <= {RECORD_NAME}
    except OSError:
        return False


def check_set_aside(outdir: Path) -> None:
    """Refuse a `--retrain` whose `outdir/sdap_previous` cannot be written (a read-only copy,
    a folder of another user), before the training: the old model and its outputs could not
    be set aside after it, and the new model was lost with an "unexpected error"."""
    import tempfile

    folder = outdir / PREVIOUS
    if not folder.exists():
        return  # (made in the output folder, which was checked writable)
    try:
        if not folder.is_dir():
            raise NotADirectoryError(20, "not a folder")
        tempfile.TemporaryDirectory(dir=folder).cleanup()
    except OSError as err:
        raise OutputError(f"cannot write into {folder} ({err.strerror or err}), where --retrain "
                          f"keeps the old model and the outputs it made; make it writable (or "
                          f"move it away), or give another --output folder") from None


def set_aside(record: RunRecord, outdir: Path, model_path: Path,
              earlier: dict[str, Any], made: list[str]) -> dict[str, Any]:
    """Move the old model and the outputs it made into `outdir/sdap_previous/<sha12>/`.

    The folder gets its own `sdap_run.json` (the moved entries and the old `trained_model`),
    written before anything moves; each move is a rename. Returns the note for the record.
    """
    sha = str(earlier.get("sha256") or "unknown")
    folder = _free_folder(outdir / PREVIOUS, sha[:12])
    folder.mkdir(parents=True, exist_ok=True)
    kept = RunRecord(folder)
    kept.data["trained_model"] = earlier
    for name in made:
        kept.files[name] = {**record.files[name], "model": model_path.name,
                            "output": str(folder / name)}
        qc = kept.files[name].get("qc")
        if isinstance(qc, dict) and "json" in qc:
            kept.files[name]["qc"] = {**qc, "json": str(folder / f"{name}.qc.json"),
                                      "png": str(folder / f"{name}.qc.png")}
    kept.save()
    for name in made:
        os.replace(outdir / name, folder / name)
        for check in (f"{name}.qc.json", f"{name}.qc.png"):  # its quality check goes along
            if (outdir / check).is_file():
                os.replace(outdir / check, folder / check)
        del record.files[name]
    if model_path.is_file():
        os.replace(model_path, folder / model_path.name)
    record.save()
    return {"sha256": sha, "folder": str(folder.relative_to(outdir)), "outputs": len(made),
            "moved": now()}
