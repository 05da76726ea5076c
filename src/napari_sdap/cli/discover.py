"""Finding the input files of a batch and naming their outputs."""

from __future__ import annotations

import functools
import glob
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from napari_sdap.api.inputs import IMAGE_SUFFIXES, image_suffix, in_zarr_store, series_count
from napari_sdap.api.provenance import output_records, store_records
from napari_sdap.cli.multifile import drop_parts
from napari_sdap.errors import InputError, OutputError

__all__ = ["IMAGE_SUFFIXES", "OUTPUT_SUFFIXES", "check_output_folder", "find_inputs",
           "output_path", "stem"]

OUTPUT_SUFFIXES = {"tif": ".tif", "zarr": ".ome.zarr"}
"""Output format -> file ending."""
OUTPUT_TAG = "_sdap"
QC_FIGURE = ".qc.png"
"""Ending of the check figures `denoise --qc` writes next to its outputs (`cli.qc.qc_paths`)."""


def stem(path: str | Path) -> str:
    """File name without its image ending (`a.ome.tif` -> `a`); for an array or group inside a
    zarr store, the store's stem and the path inside it (`img.ome.zarr/0` -> `img_0`,
    `cells.zarr/raw/t1` -> `cells_raw_t1`), so that levels of two stores have two names."""
    path = Path(path)
    if in_zarr_store(path):
        at = max(i for i, part in enumerate(path.parts[:-1]) if part.lower().endswith(".zarr"))
        return "_".join([stem(Path(*path.parts[:at + 1])), *path.parts[at + 1:]])
    suffix = image_suffix(path.name)
    return path.name[: -len(suffix)] if suffix else path.stem


def _one_image(path: Path) -> bool:
    """Whether the zarr node `path` reads as one image whatever it holds: an array, or a group
    with OME multiscales (or bioformats2raw) metadata; not a plain group of arrays."""
    import json

    for name in ("zarr.json", ".zattrs"):
        try:
            meta = json.loads((path / name).read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            return False
        if meta.get("node_type") == "array":
            return True
        attrs = meta.get("attributes", {}) if name == "zarr.json" else meta
        ome = attrs.get("ome") if isinstance(attrs, dict) else None
        return isinstance(attrs, dict) and any(
            key in attrs or (isinstance(ome, dict) and key in ome)
            for key in ("multiscales", "bioformats2raw.layout"))
    return (path / ".zarray").is_file()


def _nested_once(hits: list[Path]) -> list[Path]:
    """`hits` of a glob less those inside another hit (`img.ome.zarr/**` matches the image and
    its pyramid levels: one image, denoised once); a plain zarr group gives way to the arrays
    found inside it instead (`grp.zarr/**`: each array once, not also a group of one array)."""
    taken, above = set(hits), {a for h in hits for a in h.parents}
    groups = {p for p in hits if p in above and not _one_image(p)}
    return [p for p in hits if p not in groups
            and not any(a in taken and a not in groups for a in p.parents)]


def is_image(path: Path) -> bool:
    """Whether `path` looks like an image napari-sdap reads (zarr folders included); never a
    hidden file nor a check figure napari-sdap wrote (`<output>.qc.png`)."""
    if path.name.startswith(".") or path.name.lower().endswith(QC_FIGURE):
        return False
    suffix = image_suffix(path.name)
    if suffix is None:
        return False
    return path.is_dir() if suffix.endswith(".zarr") else path.is_file()


def check_output_folder(outdir: Path, fmt: str) -> None:
    """Refuse an `--output` that is an image, or a new path named like one (`-o result.tif`
    would otherwise make a folder `result.tif` holding the result)."""
    suffix = image_suffix(outdir.name)
    if suffix and (not outdir.exists() or is_image(outdir)):
        name = outdir.with_name(stem(outdir) or "denoised")
        raise OutputError(f"--output {outdir} is named like an image ({suffix}), but it is the "
                          f"folder the results go into (as <name>{OUTPUT_TAG}"
                          f"{OUTPUT_SUFFIXES[fmt]}); give a folder, e.g. --output {name}")
    if outdir.suffix.lower() in _MODEL_SUFFIXES and not outdir.exists():  # (made a folder
        # `m.safetensors` holding the results, and with --train the model inside it)
        raise OutputError(f"--output {outdir} is named like a model file ({outdir.suffix}), but "
                          f"it is the folder the results go into; the model is --model (--train "
                          f"saves it in that folder as sdap_model.safetensors): give a folder, "
                          f"e.g. --output {outdir.with_suffix('')}")


_MODEL_SUFFIXES = (".safetensors", ".zip", ".pt", ".pth", ".ckpt")
"""Endings of model files and packages, which a new `--output` folder is not given."""


def _folder(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if is_image(p))


def _through_loop(path: Path, base: Path) -> bool:
    """Whether `path`, below the folder `base` a glob starts from, passes through a link back
    into a folder it already went through (`loop/up/loop/up/a.tif` with `up -> ..`): a `**`
    glob follows such links until the path is too long, finding each file once per turn (and
    the deepest turns as links to nothing)."""
    seen = {base.resolve()}
    for folder in reversed(path.parents[:len(path.parts) - len(base.parts) - 1]):
        real = folder.resolve()
        if real in seen:
            return True
        seen.add(real)
    return False


def _glob_base(path: Path) -> Path:
    """The folder a glob starts from: `path`'s leading parts without a wildcard."""
    parts = path.parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts) - 1)
    return Path(*parts[:fixed]) if fixed else Path()


def _dangling(paths: Iterable[Path]) -> list[Path]:
    """The links among `paths` named like images whose target does not exist."""
    return [p for p in paths if p.is_symlink() and not p.exists()
            and not p.name.startswith(".") and image_suffix(p.name) is not None]


Note = Callable[[str, str], None]
"""Where `find_inputs` reports a path it skips: (path, why)."""

PROVENANCE_SCHEMA = "napari-sdap/provenance/"


def _is_record(record: Any) -> bool:
    """A provenance record (docs/provenance.md), or the one the CLI wrote before the schema
    (until 30 November 2026: the input's metadata with ``napari_sdap`` holding the model's
    name, sha256 and config), whose outputs were otherwise taken for new inputs."""
    if not isinstance(record, dict):
        return False
    early = record.get("napari_sdap")
    return (str(record.get("schema", "")).startswith(PROVENANCE_SCHEMA)
            or (isinstance(early, dict) and {"model_sha256", "config"} <= early.keys()))


def is_output(path: Path) -> bool:
    """Whether `path` is a result napari-sdap wrote: it holds a provenance record
    (docs/provenance.md); a zarr store at its top, or in every level (a store of the user's
    holding one result among other arrays is not one). Unreadable files are not (they fail
    later, as inputs)."""
    try:
        if not path.is_dir():
            return any(_is_record(r) for r in output_records(path))
        found = store_records(path)
        levels = [r for folder, r in found if folder != path]
        return (any(_is_record(r) for folder, r in found if folder == path)
                or (bool(levels) and all(_is_record(r) for r in levels)))
    except Exception:  # not an image, damaged, another layout: not known to be a result
        return False


def _drop_outputs(hits: list[Path], pattern: str, note: Note | None) -> list[Path]:
    """`hits` without napari-sdap's results (another run's outputs a folder or glob reaches,
    which would otherwise be denoised or trained on again); one note for those skipped."""
    results = [p for p in hits if is_output(p)]
    if not results:
        return hits
    kept = [p for p in hits if p not in results]
    if not kept:
        raise InputError(f"{pattern} holds only results napari-sdap wrote ({len(results)}, e.g. "
                         f"{results[0]}), which folders and patterns skip; name the files to "
                         f"take them as inputs")
    if note is not None:
        note(pattern, f"skipped {len(results)} result(s) napari-sdap wrote (e.g. "
                      f"{results[0].name}); name a file to take it as an input")
    return kept


def find_inputs(patterns: Sequence[str], exclude: Iterable[Path] = (),
                note: Note | None = None, results: bool = False) -> list[Path]:
    """Expand files, folders (their images, not recursive) and globs into a sorted, unique list.

    Hidden files, paths in `exclude` (earlier outputs) and, unless `results`, any result
    napari-sdap wrote (`is_output`: another run's outputs) are skipped when a folder or a glob
    is expanded; a file named explicitly is always kept. A file found twice (a link to it next
    to it) is kept once, under its own name rather than the link's. A pattern that matches
    nothing raises `InputError` so that typos do not turn into empty, successful runs. `note`
    hears of each link skipped (a duplicate, or a link to nothing) and of results skipped.
    """
    skip = {p.resolve() for p in exclude}
    found: list[Path] = []
    dangling: list[Path] = []
    for pattern in patterns:
        path = Path(pattern).expanduser()
        if path.is_dir() and image_suffix(path.name) is None and not in_zarr_store(path):
            hits = [p for p in _folder(path) if p.resolve() not in skip]
            dangling += _dangling(sorted(path.iterdir()))
            if not hits:
                raise InputError(f"folder {path} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
                                 f"check the folder or name the files")
        elif path.exists():
            found.append(path)
            continue
        elif glob.has_magic(pattern):
            base = _glob_base(path)
            matches = [p for p in map(Path, sorted(glob.glob(str(path), recursive=True)))
                       if not _through_loop(p, base)]
            into = any(part.lower().endswith(".zarr") for part in path.parts[:-1])  # a
            # pattern reaching into stores (`grp.zarr/*/img`) takes their arrays; `**` alone not
            hits = [p for p in matches if (is_image(p) or (into and in_zarr_store(p)))
                    and p.resolve() not in skip]
            hits = _nested_once(hits)
            dangling += _dangling(matches)
            if not hits:
                raise InputError(f"pattern {pattern!r} matches no images; check the pattern "
                                 f"(quote it so the shell does not expand it)")
        else:
            raise InputError(f"input {pattern} does not exist; check the path")
        found.extend(hits if results else _drop_outputs(hits, pattern, note))
    unique: dict[Path, Path] = {}
    for p in found:  # a file beside a link to it: the file's own name, not the link's
        kept = unique.setdefault(p.resolve(), p)
        if kept.is_symlink() and not p.is_symlink():
            unique[p.resolve()] = p
    if note is not None:
        for p in dict.fromkeys(dangling):
            note(str(p), f"skipped: a link to {os.readlink(p)}, which does not exist")
        for p in dict.fromkeys(found):
            if unique[p.resolve()] != p:
                note(str(p), f"skipped: the same file as {unique[p.resolve()]}, which is "
                             f"taken once, under its own name")
    return drop_parts(sorted(unique.values(), key=lambda p: str(p)), note)  # (a multi-file
    # OME-TIFF once, not once per file: `cli.multifile`)


def file_series(path: Path, series: int | None) -> int | None:
    """The series `--series` picks in `path`: None for a file of one image series (it is read
    whole, whatever the number), `series` for one of several."""
    if series is None:
        return None
    st = path.stat()
    return series if _series_count(path, st.st_size, st.st_mtime_ns) > 1 else None


@functools.lru_cache(maxsize=4096)
def _series_count(path: Path, size: int, mtime_ns: int) -> int:
    """`series_count`, once per version of a file (a run asks for each file several times;
    a many-page TIFF's series take a scan of its pages)."""
    return series_count(path)


def output_path(input_path: Path, output_dir: Path, fmt: str, series: int | None = None
                ) -> Path:
    """`DIR/<stem>_sdap.tif` (or `.ome.zarr`) for `input_path`; `<stem>_s<N>_sdap...` for
    series N of a file of several (`file_series`), so that each series has its own."""
    part = "" if series is None else f"_s{series}"
    return output_dir / f"{stem(input_path)}{part}{OUTPUT_TAG}{OUTPUT_SUFFIXES[fmt]}"


def check_outputs_unique(inputs: Sequence[Path], output_dir: Path, fmt: str,
                         series: int | None = None) -> None:
    """Refuse two inputs that would write the same output, or an output onto an input."""
    seen: dict[Path, Path] = {}
    resolved_inputs = {p.resolve() for p in inputs}
    for p in inputs:
        out = output_path(p, output_dir, fmt, file_series(p, series))
        if out.resolve() in resolved_inputs:
            raise InputError(f"output {out} would overwrite the input of the same name; "
                             f"choose another --output folder")
        if out in seen:
            raise InputError(f"inputs {seen[out]} and {p} would both be written to {out}; "
                             f"rename one of them or run them into different --output folders")
        seen[out] = p
