"""The run record `sdap_run.json`: what a batch did, file by file, kept up to date atomically.

The record is what makes a batch resumable: an output is skipped only when the record says it
was finished from the same input (size and modification time), the same model file (SHA-256)
and the same settings, and the output is still there.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_sdap.cli.ownership import same_input, written_by
from napari_sdap.cli.record_shape import shape_problem
from napari_sdap.errors import OutputError
from napari_sdap.paths import atomic_write

__all__ = ["RECORD_NAME", "RunRecord", "file_fingerprint"]

RECORD_NAME = "sdap_run.json"
FORMAT = 1
_EARLIER = 8
"""How many tokens of earlier unfinished attempts at one output an entry keeps."""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def now() -> str:
    """UTC time stamp, ISO 8601, to the second."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def file_fingerprint(path: Path) -> dict[str, int]:
    """Size and modification time (ns) of a file, or summed over a zarr folder."""
    if path.is_dir():
        size, mtime = 0, 0
        for root, _, files in os.walk(path):
            for name in files:
                st = os.stat(os.path.join(root, name))
                size += st.st_size
                mtime = max(mtime, st.st_mtime_ns)
        return {"size": size, "mtime_ns": mtime}
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def settings_key(settings: dict[str, Any]) -> str:
    """Short hash of the settings that change the output pixels."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Verdict:
    """What to do with one planned output."""

    action: str
    """`skip` (finished and current), `run` (nothing there or ours to redo) or `refuse`."""
    reason: str = ""
    replace: bool = False
    """Whether an existing output may be replaced (it is ours, or --overwrite was given)."""


class RunRecord:
    """`DIR/sdap_run.json`: one entry per output file name plus a list of runs."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / RECORD_NAME
        self.data: dict[str, Any] = {"format": FORMAT, "runs": [], "files": {}}
        self._texts: dict[tuple[str, Any], tuple[Any, str, str]] = {}
        """Per entry and run: a copy of it as last written and its JSON text (`text`)."""
        if self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text())
                problem = shape_problem(loaded)  # valid JSON of another shape: as unreadable
            except (OSError, ValueError) as err:
                problem = str(err)
            if problem is not None:
                raise OutputError(
                    f"run record {self.path} is unreadable ({problem}); move it away to start "
                    f"a fresh record (finished outputs are then treated as existing files)")
            self.data = {**self.data, **loaded}

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.data["files"]

    def close_killed(self) -> None:
        """Close what a killed run left `running` (one run at a time writes here, `cli.lock`,
        so it is no one's now): the run and its files in progress are marked `interrupted`,
        a finished output they never replaced is finished again (`_unfinished`). Called
        before anything reads the entries (the outputs made with a model, `cli.retrain`)."""
        for run in self.data["runs"]:
            if run.get("status") == "running":
                run.update(status="interrupted", note="ended without closing the record "
                                                      "(killed)")
        for name, entry in list(self.files.items()):
            if entry.get("status") == "running":
                self._unfinished(name, "interrupted")

    def start_run(self, command: list[str], **info: Any) -> None:
        """Append a run (status `running`) and save, once a killed run is closed
        (`close_killed`), so that this run's end touches only its own."""
        self.close_killed()
        self.data["runs"].append({"started": now(), "status": "running", "command": command,
                                  **info})
        self.save()

    def finish_run(self, status: str, **counts: Any) -> None:
        """Close the current run with `finished`, `failed` or `interrupted`."""
        if self.data["runs"]:
            self.data["runs"][-1].update(status=status, ended=now(), **counts)
        for name, entry in list(self.files.items()):
            if entry.get("status") == "running":
                self._unfinished(name, "interrupted" if status == "interrupted" else "failed")
        self.save()
        self.remove_temporaries()

    def remove_temporaries(self) -> None:
        """Delete the record's own temporaries (`.sdap_run.json.<random>.partial`) that a stop
        left, this run's or a killed one's: a hang-up landing between a temporary's creation
        and its `atomic_write` block left one among the outputs. One run at a time writes here
        (`cli.lock`), so no other save is in progress. One listing per run, at its end."""
        start, end = f".{self.path.name}.", ".partial"
        try:
            with os.scandir(self.path.parent) as entries:
                stray = [e.path for e in entries if e.name.startswith(start)
                         and e.name.endswith(end)]
        except OSError:
            return
        for path in stray:
            Path(path).unlink(missing_ok=True)

    def end_file(self, output: Path, status: str, /, **fields: Any) -> None:
        """Close `output`'s entry as `failed` or `interrupted` (with `fields`) and save."""
        self.files.setdefault(output.name, {}).update(fields)
        self._unfinished(output.name, status)
        self.save()

    def _unfinished(self, name: str, status: str) -> None:
        """Mark entry `name` `status`; where it kept a finished output that is still there
        unchanged (the redo never replaced it), that output's entry comes back, with the
        attempt under `last_attempt`."""
        entry = self.files[name]
        output = self.path.parent / name
        kept = self._still_kept(output, entry)
        if kept is entry:
            entry.update(status=status, updated=now())
            return
        attempt = {k: entry.get(k) for k in ("model_sha256", "settings_key", "started",
                                             "error") if entry.get(k) is not None}
        self.files[name] = {**kept, "last_attempt": {**attempt, "status": status,
                                                     "ended": now()}}

    def verdict(self, output: Path, fingerprint: dict[str, int], model_sha: str,
                settings: str, overwrite: bool, source: str | None = None) -> Verdict:
        """Decide whether `output` is skipped, (re)made, or refused; `source`: the input it is
        made from now (named where the output was made from another)."""
        entry = self.files.get(output.name)
        exists = output.exists()
        if entry is not None and entry.get("status") != "done":
            kept = self._still_kept(output, entry)
            if kept is entry and exists and not overwrite:
                tokens = [entry.get("attempt"), *_list(entry.get("earlier_attempts"))]
                if written_by(output, tokens):  # ours (this or an earlier unfinished attempt),
                    return Verdict("run", replace=True)  # renamed into place before a kill
                if isinstance(entry.get("kept"), dict):
                    return Verdict("refuse", f"output {output} changed after napari-sdap wrote "
                                             f"it (and a later run into it was stopped); pass "
                                             f"--overwrite to redo it or choose another "
                                             f"--output")
                return Verdict("refuse", f"output {output} exists, but napari-sdap did not "
                                         f"write it (the run record {self.path.name} lists it "
                                         f"as {entry.get('status')}, not done); pass "
                                         f"--overwrite to replace it or choose another "
                                         f"--output folder")
            entry = kept
        if entry is None:
            if exists and not overwrite:
                return Verdict("refuse", f"output {output} already exists and is not in the run "
                                         f"record {self.path.name}; pass --overwrite to replace "
                                         f"it or choose another --output folder")
            return Verdict("run", replace=exists)
        same = same_input(entry.get("input"), source,
                          (run.get("cwd") for run in self.data["runs"]))
        current = (same and entry.get("input_fingerprint") == fingerprint
                   and entry.get("model_sha256") == model_sha
                   and entry.get("settings_key") == settings)
        if entry.get("status") == "done" and exists:
            if current:
                return Verdict("skip", "finished in an earlier run")
            if not overwrite:
                what = (f"it was made from another input, {entry.get('input')}, not {source}"
                        if not same
                        else "the input changed" if entry.get("input_fingerprint") != fingerprint
                        else "it was made with another model"
                        if entry.get("model_sha256") != model_sha else "the settings changed")
                return Verdict("refuse", f"output {output} is out of date ({what}); pass "
                                         f"--overwrite to redo it or choose another --output")
        return Verdict("run", replace=exists)

    def start_file(self, output: Path, /, **fields: Any) -> None:
        """Mark `output` `running` with `fields` (its new input, model and settings). A
        finished output there stays what it was until the new one replaces it: its entry is
        kept, with the output's fingerprint, so that a run stopped before the replacement
        leaves it finished, out of date for another model (`verdict`)."""
        entry = self.files.get(output.name) or {}
        kept = entry.get("kept")
        earlier: list[Any] = []
        if entry.get("status") == "done" and output.exists():
            kept = {k: v for k, v in entry.items() if k != "kept"}
            kept["output_fingerprint"] = file_fingerprint(output)
        elif entry.get("status") != "done":  # an unfinished attempt may have renamed its
            # output into place before it was stopped: its token stays accepted (`verdict`)
            earlier = [t for t in [*_list(entry.get("earlier_attempts")), entry.get("attempt")]
                       if isinstance(t, str) and t and t != fields.get("attempt")]
        self.update(output, **fields, status="running", kept=kept,
                    earlier_attempts=earlier[-_EARLIER:])

    def _still_kept(self, output: Path, entry: dict[str, Any]) -> dict[str, Any]:
        """The finished entry an unfinished redo of `output` kept, while the file there is
        still that finished output; else `entry` itself."""
        kept = entry.get("kept")
        if not isinstance(kept, dict) or not output.exists():
            return entry
        try:
            same = file_fingerprint(output) == kept.get("output_fingerprint")
        except OSError:
            same = False
        return kept if same else entry

    def update(self, output: Path, /, **fields: Any) -> None:
        """Merge `fields` into the entry of `output` and save atomically."""
        entry = self.files.setdefault(output.name, {})
        entry.update(fields, updated=now())
        self.save()

    def text(self) -> str:
        """The record as JSON (`indent=1`, sorted keys). Entries and runs unchanged since the
        last save reuse their text: the record is saved twice per file, and encoding all of
        it each time made a batch of N files cost N² (2000 files: 0.2 s a save, longer than
        the denoising), and a folder a cron job reran every 5 minutes for a month (8640 runs,
        18 MB) 1.2 s a save. One counts as unchanged while it equals the copy kept of it."""
        files, runs = self.files, self.data.get("runs")
        blocks = {}
        if isinstance(files, dict) and files:
            parts = [self._cached(("files", name), files[name], f"{json.dumps(name)}: ")
                     for name in sorted(files)]
            blocks["files"] = "{\n" + ",\n".join(parts) + "\n }"
        if isinstance(runs, list) and runs:
            parts = [self._cached(("runs", i), run, "") for i, run in enumerate(runs)]
            blocks["runs"] = "[\n" + ",\n".join(parts) + "\n ]"
        used = {("files", name) for name in files} if "files" in blocks else set()
        used |= {("runs", i) for i in range(len(runs))} if "runs" in blocks else set()
        for key in [k for k in self._texts if k not in used]:
            del self._texts[key]
        empty = {"files": {}, "runs": []}
        text = json.dumps({**self.data, **{k: empty[k] for k in blocks}}, indent=1,
                          sort_keys=True)
        for key, block in blocks.items():  # a key at indent 1 is a top-level one (no JSON
            # string holds a raw newline)
            spelt = f"\n {json.dumps(key)}: {json.dumps(empty[key])}"
            text = text.replace(spelt, f"\n {json.dumps(key)}: {block}", 1)
        return text + "\n"

    def _cached(self, key: tuple[str, Any], value: Any, prefix: str) -> str:
        """`value`'s JSON at indent level 2 after `prefix`, from the last save where unchanged."""
        kept = self._texts.get(key)
        if kept is None or kept[0] != value or kept[1] != prefix:
            text = json.dumps(value, indent=1, sort_keys=True)
            kept = self._texts[key] = (json.loads(text), prefix,
                                       f"  {prefix}" + text.replace("\n", "\n  "))
        return kept[2]

    def save(self) -> None:
        """Write the record atomically (temporary file + rename)."""
        try:
            text = self.text()
            with atomic_write(self.path) as tmp:  # Ctrl-C while writing: the old record stays
                tmp.write_text(text)
        except OSError as err:
            raise OutputError(f"cannot write the run record {self.path} "
                              f"({err.strerror or err}); make the folder writable, check free "
                              f"space, or choose another --output") from None
