"""`napari-sdap denoise --qc`: a quality check written next to every finished output.

For an output `out/cell_sdap.tif` the check writes `out/cell_sdap.tif.qc.json`
(`QCReport.to_dict`) and `out/cell_sdap.tif.qc.png` (the figure), both through temporary files
renamed into place only when both are complete: a failed check leaves neither.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_sdap.cli.discover import QC_FIGURE
from napari_sdap.errors import ConfigError, DiskFullError, InputError, OutputError, SdapError
from napari_sdap.paths import atomic_write, disk_full

__all__ = ["QCOptions", "check_output", "companion_names", "qc_options", "qc_paths",
           "remove_checks", "write_qc"]


@dataclass(frozen=True)
class QCOptions:
    """What `--qc` and `--reference` asked for."""

    reference: Path | None = None
    """A clean image for every input, or a folder of them named like the inputs."""
    device: str = "auto"


def qc_options(args: argparse.Namespace) -> QCOptions | None:
    """The run's QC settings (None without --qc); checks that matplotlib is there first."""
    reference = getattr(args, "reference", None)
    if not getattr(args, "qc", False):
        if reference is not None:
            raise ConfigError("--reference is only used by the quality check; add --qc")
        return None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError("--qc draws its figure with matplotlib, which is not installed; "
                          "install it with: pip install 'napari-sdap[qc]'") from None
    if reference is not None and not Path(reference).exists():
        raise InputError(f"--reference {reference} does not exist; give a clean image file or "
                         f"a folder of them named like the inputs")
    if reference is not None and not Path(reference).is_dir():
        _check_readable(Path(reference))
    return QCOptions(Path(reference) if reference is not None else None,
                     getattr(args, "device", "auto"))


def _check_readable(reference: Path) -> None:
    """Refuse a `--reference` file that cannot be read before any work (found otherwise only
    after each file was denoised, once per file)."""
    from napari_sdap.api.inputs import open_image

    try:
        with open_image(reference):
            pass
    except SdapError as err:
        raise InputError(f"--reference {reference} cannot be read ({err}); give a clean image "
                         f"file or a folder of them named like the inputs") from None


def qc_paths(output: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(JSON, PNG) paths of the check of `output`."""
    out = Path(output)
    return out.with_name(out.name + ".qc.json"), out.with_name(out.name + QC_FIGURE)


def companion_names(output_name: str) -> list[str]:
    """The names a run writes or removes next to the output `output_name`: its check files.
    Their temporaries' names are cut to fit (`paths.atomic_write`, `paths.hidden_stem`), as
    the output's are: --qc leaves the room for the output name as it is."""
    json_path, png_path = qc_paths(output_name)
    return [json_path.name, png_path.name]


def remove_checks(output: str | os.PathLike[str]) -> None:
    """Delete the check of `output` (stale once the output is replaced); a check name too long
    for the file system cannot exist, and never stops the batch."""
    for check in qc_paths(output):
        try:
            check.unlink(missing_ok=True)
        except OSError as err:
            if err.errno != errno.ENAMETOOLONG:
                raise


def _reference_for(options: QCOptions, task: Any) -> Path | None:
    ref = options.reference
    if ref is None or not ref.is_dir():
        return ref
    match = ref / Path(task.input).name
    if not match.exists():
        raise InputError(f"no reference for {task.input} in --reference {ref} (looked for "
                         f"{match}); name each reference like its input")
    return match


def write_qc(task: Any, options: QCOptions) -> dict[str, Any]:
    """Check the finished output of `task` (a `jobs.FileTask`) and write its JSON and PNG.

    Returns what the run record keeps: the two paths, `ok` and the warning codes."""
    from napari_sdap.api.inputs import open_image
    from napari_sdap.api.quality import quality_report
    from napari_sdap.api.writing import in_axes
    from napari_sdap.cli.jobs import load_cached_model
    from napari_sdap.qc.figure import draw_report, new_figure, save_png

    model = load_cached_model(task.model_path, task.model_sha256)
    reference = _reference_for(options, task)
    with open_image(task.input, task.axes, series=task.series) as src, \
            open_image(task.output) as out:  # an OME-Zarr output holds OME's axis order
        denoised = in_axes(out.array, out.axes, src.axes)
        report = quality_report(src, denoised, model=model, reference=reference,
                                axes=src.axes, device=options.device, detail=task.detail)
    json_path, png_path = qc_paths(task.output)
    try:  # the figure lands first, the JSON (what the record points to) last; a failure in
        # either leaves neither
        with atomic_write(json_path) as json_tmp, atomic_write(png_path) as png_tmp:
            json_tmp.write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
            save_png(draw_report(new_figure(), report), png_tmp)
    except OSError as err:  # a full disk stops the batch (`check_output`), as an output's
        kind, why = OutputError, f"check the space and rights in {json_path.parent}"
        if disk_full(json_path, err):
            kind, why = DiskFullError, (f"the disk is full; free space in {json_path.parent} "
                                        f"or write to another disk")
        raise kind(f"cannot write the quality check of {task.output} "
                   f"({err.strerror or err}); {why}") from None
    return {"json": str(json_path), "png": str(png_path), "ok": report.ok,
            "flags": [f.code for f in report.flags], "reference": _reference_key(reference)}


def _reference_key(reference: Path | None) -> dict[str, Any] | None:
    """Which reference file (and version of it) a check compared with; None: none."""
    if reference is None:
        return None
    st = reference.stat()
    return {"path": str(reference.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _other_reference(options: QCOptions, task: Any, check: dict[str, Any]) -> bool:
    """Whether an earlier check of `task` compared with another reference than the one this
    run gives (none, another file, or the file since rewritten): it is made again."""
    if options.reference is None:
        return False  # a check with a reference also answers one asked without
    try:
        wanted = _reference_key(_reference_for(options, task))
    except (SdapError, OSError):
        return True  # check_output reports it
    return check.get("reference") != wanted


def check_output(batch: Any, task: Any, path: Path) -> None:
    """The hook of `denoise.Batch.finish`: check a committed output when --qc was given.

    A failed check is reported (and kept in the run record) but leaves the output as done;
    one that found the disk full raises its `DiskFullError` then, to stop the batch (every
    later file would be denoised, then fail alike)."""
    if batch.qc is None:
        return
    try:
        entry = write_qc(task, batch.qc)
    except Exception as err:
        message = str(err) if isinstance(err, SdapError) else f"{type(err).__name__}: {err}"
        batch.record.update(Path(task.output), qc={"error": message})
        batch.rep.error(str(path), f"quality check failed: {message}")
        batch.qc_failed += 1  # the output stays done; the run's exit code says it (1)
        if isinstance(err, DiskFullError):
            raise
        return
    batch.record.update(Path(task.output), qc=entry)
    flags = ", ".join(entry["flags"]) or "no warnings"
    batch.rep.info(f"quality check {entry['json']}: {flags}")


def check_done(batch: Any, done: list[tuple[Any, Path]]) -> None:
    """With --qc, check the outputs an earlier run finished that have no check yet (run then
    without --qc, or whose check failed, e.g. for a missing reference), or whose check did not
    compare with the `--reference` given now."""
    if batch.qc is None:
        return
    for task, path in done:
        check = batch.record.files.get(Path(task.output).name, {}).get("qc") or {}
        # the check lies next to the output: the recorded path may be relative to another
        # working folder
        made = "json" in check and qc_paths(task.output)[0].is_file()
        if not made or _other_reference(batch.qc, task, check):
            try:
                check_output(batch, task, path)
            except DiskFullError:  # reported; the checks left are made by the next run
                return

