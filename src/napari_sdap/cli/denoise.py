"""`napari-sdap denoise`: a resumable, atomic batch over files, in-process or on a dask cluster."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any

from napari_sdap.cli.discover import check_output_folder, check_outputs_unique, find_inputs
from napari_sdap.cli.jobs import FileTask, denoise_file
from napari_sdap.cli.lock import folder_lock, unused_removed
from napari_sdap.cli.pieces import remove_all_scratch
from napari_sdap.cli.plan import (
    MODEL_NAME,
    Plan,
    check_mode,
    check_model_options,
    hidden_names,
    make_plan,
    prepare_model,
    remove_leftovers,
    run_settings,
)
from napari_sdap.cli.qc import QCOptions, check_done, check_output, qc_options, remove_checks
from napari_sdap.cli.record import RunRecord, file_fingerprint, now
from napari_sdap.cli.report import Reporter
from napari_sdap.cli.retrain import previous_outputs
from napari_sdap.cli.safety import check_apart
from napari_sdap.errors import DiskFullError, OutputError, SdapError

__all__ = ["run_denoise"]


def _message(err: BaseException) -> str:
    if isinstance(err, SdapError):
        return str(err)
    if isinstance(err, MemoryError):  # its text is most often empty ("MemoryError: ")
        detail = f": {err}" if str(err) else ""
        return (f"out of memory (MemoryError{detail}): the image, or one compressed strip or "
                f"tile of its file, needs more memory than is free; close other programs, or "
                f"convert the image to a tiled TIFF or OME-Zarr (a file of a few MB can declare "
                f"gigabytes: check its size in pixels)")
    if type(err).__name__ == "KilledWorker":  # (dask's: its text points at worker logs,
        n = err.args[2] if len(err.args) > 2 else 0  # which --workers silences)
        tries = n + 1 if isinstance(n, int) else 1
        return (f"the worker process denoising it died ({tries} time(s) on this file): ended "
                f"by the system, most often for lack of memory, or killed; run the same "
                f"command again to redo it, with fewer workers per machine (--workers) if it "
                f"dies again")
    return f"{type(err).__name__}: {err}"


class Batch:
    """Bookkeeping of one run: the record, the reporter and the counts."""

    def __init__(self, record: RunRecord, rep: Reporter, plan: Plan, debug: bool) -> None:
        self.record, self.rep, self.plan, self.debug = record, rep, plan, debug
        self.done = 0
        self.failed = dict(plan.failed)
        self.paths = {task.output: (path, fp) for task, path, fp in plan.tasks}

    def start(self, task: FileTask, pieces: int = 1) -> None:
        path, fp = self.paths[task.output]
        fp = _fingerprint(path) or fp  # as it is read: changed since the plan, it is the
        self.paths[task.output] = (path, fp)  # version the output is made from
        self.record.start_file(Path(task.output), input=os.path.abspath(path),
                               attempt=(task.provenance or {}).get("attempt"),
                               output=task.output, qc=None,
                               input_fingerprint=fp, model=task.model_path,
                               model_sha256=task.model_sha256, settings_key=self.key,
                               series=task.series, started=now(), pieces=pieces, error=None)

    def finish(self, task: FileTask, result: dict[str, Any] | None,
               err: BaseException | None) -> None:
        path, fp = self.paths[task.output]
        out = Path(task.output)
        if err is None and result is not None and _fingerprint(path) != fp:
            _discard(out)  # read while it was written (an acquisition or a copy in progress):
            result, err = None, OutputError(  # a mix of two versions, not a finished output
                "the input changed while it was denoised (a copy or an acquisition still "
                "writing it?); its output was removed: run the same command again once the "
                "file is complete")
        if err is None and result is not None:
            self.done += 1
            remove_checks(task.output)  # a check of the output replaced is stale
            self.record.update(out, status="done", finished=now(), kept=None, **result)
            self.rep.info(f"done {path} -> {out} ({self.rep.format_seconds(result['seconds'])}, "
                          f"{result['mpix_per_s']:.2f} Mpix/s)")
            if result.get("warning"):  # kept in the record entry too
                self.rep.warning(str(path), result["warning"])
            try:
                check_output(self, task, path)
            except DiskFullError as qc_err:  # (its check found the disk full)
                err = qc_err
        else:
            message = _message(err) if err is not None else "no result"
            self.failed[path] = message
            self.record.end_file(out, "failed", finished=now(), error=message)
            self.rep.error(str(path), message)
            if self.debug and err is not None and not isinstance(err, SdapError):
                traceback.print_exception(err, file=sys.stderr)
        remove_leftovers(out)  # a worker killed mid-file (its task then ran on another) left
        self.rep.advance()  # its temporary: kept until the next run, though this one finished
        if isinstance(err, DiskFullError):  # the batch stops: every later file would be
            raise err  # denoised in full, then fail alike

    key = ""
    qc: QCOptions | None = None
    qc_failed = 0
    not_started = 0
    """Files left when the batch stopped at a full disk."""


def _fingerprint(path: Path) -> dict[str, int] | None:
    try:
        return file_fingerprint(path)
    except OSError:  # gone: the file fails when it is read
        return None


def _discard(output: Path) -> None:
    if output.is_dir() and not output.is_symlink():
        shutil.rmtree(output, ignore_errors=True)
    else:
        output.unlink(missing_ok=True)


def _run_local(batch: Batch) -> None:
    for i, (task, _, _) in enumerate(batch.plan.tasks):
        batch.start(task)
        name = Path(task.input).name
        batch.rep.start_item(name, 1)

        def progress(step: Any) -> None:
            batch.rep.item_progress(step.done, step.total, f"{step.mpix_per_s:.2f} Mpix/s")

        try:
            result, err = denoise_file(task, progress), None
        except KeyboardInterrupt:
            batch.record.end_file(Path(task.output), "interrupted", finished=now())
            raise
        except Exception as caught:  # one bad file is reported and the batch goes on
            result, err = None, caught
        batch.rep.end_item()
        try:
            batch.finish(task, result, err)
        except DiskFullError:  # but not onto a full disk (`Batch.finish`)
            batch.not_started = len(batch.plan.tasks) - i - 1
            return


def _run_cluster(batch: Batch, args: argparse.Namespace) -> None:
    from napari_sdap.api.inputs import open_image
    from napari_sdap.cli.cluster import (
        check_channels,
        connect,
        dashboard,
        run_on_cluster,
        threads_per_worker,
    )

    jobs = []
    for task, _, _ in batch.plan.tasks:
        try:  # probe on the client: catches unreadable files early, gives the shape
            with open_image(task.input, task.axes, series=task.series) as src:
                check_channels(task, src)
                jobs.append((task, tuple(int(s) for s in src.array.shape), src.axes))
        except Exception as err:
            batch.start(task)
            batch.finish(task, None, err)
    if not jobs:
        return
    try:  # files are marked stopped once the cluster is closed: a task still running when
        # it was cancelled may rename its output into place meanwhile (`record._unfinished`)
        with connect(args.scheduler, args.workers) as (client, n_workers):
            batch.rep.info(f"cluster: {n_workers} worker(s) at {client.scheduler.address}, "
                           f"{dashboard(client, local=not args.scheduler)}")
            threads = args.threads or (threads_per_worker(n_workers) if args.workers else None)
            if threads:
                jobs = [(FileTask(**{**t.__dict__, "threads": threads}), s, a)
                        for t, s, a in jobs]
                batch.paths.update({t.output: batch.paths[t.output] for t, _, _ in jobs})
            threshold = int(args.split_mpix * 1e6)
            run_on_cluster(client, jobs, threshold, n_workers, batch.start, batch.finish)
    except DiskFullError:  # (from `Batch.finish`: the files still running were cancelled)
        batch.not_started = _mark_interrupted(batch, jobs)
    except KeyboardInterrupt:
        _mark_interrupted(batch, jobs)
        raise
    for task, _, _ in jobs:  # a task still running when it was cancelled (its file failed in
        remove_leftovers(Path(task.output))  # another piece, or the disk filled) wrote on into
    # the temporary or scratch removed then; a local cluster's workers have ended now


def _mark_interrupted(batch: Batch, jobs: list[tuple[FileTask, Any, Any]]) -> int:
    """Record the files of `jobs` still running as interrupted; returns how many."""
    running = [Path(t.output) for t, _, _ in jobs
               if batch.record.files.get(Path(t.output).name, {}).get("status") == "running"]
    for out in running:
        batch.record.end_file(out, "interrupted", finished=now())
    return len(running)


def run_denoise(args: argparse.Namespace, rep: Reporter, argv: list[str]) -> int:
    """`napari-sdap denoise INPUT... (--model M | --train) --output DIR`."""
    qc = qc_options(args)  # before any work: a missing matplotlib fails now
    if not args.scheduler:  # this machine's device (local workers too), else each file
        from napari_sdap.api.devices import resolve_device  # failed on its own line

        dev = resolve_device(args.device)
        if args.compile and dev.type != "cuda":
            rep.warning("--compile", f"torch.compile is used on CUDA devices only; on {dev} "
                                     f"the network runs as it is (the option does nothing)")
    outdir = Path(args.output)
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"--output {outdir} is a file; give a folder")
    check_apart(outdir, args.inputs, "--output", folder_ok=True)
    check_output_folder(outdir, args.format)
    check_model_options(args)
    if args.train:
        check_apart(outdir / MODEL_NAME, args.inputs, "the --train model")
        from napari_sdap.api.model_name import check_model_name

        check_model_name(outdir / MODEL_NAME)  # (a folder not named in UTF-8) before training
    if outdir.is_symlink() and not outdir.exists():  # mkdir: "File exists", of nothing there
        raise OutputError(f"--output {outdir} is a link to {os.readlink(outdir)}, which does not "
                          f"exist (or is a loop of links); create that folder, or choose "
                          f"another --output")
    if not outdir.exists():  # two inputs onto one output: refused before the folder is made
        check_outputs_unique(find_inputs(args.inputs), outdir, args.format, args.series)
    check_mode(args)  # (loads --model: a damaged one is refused before the folder is made)
    made = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output folder {outdir} "
                          f"({err.strerror or err}); choose another --output") from None
    with unused_removed(outdir, made), folder_lock(  # refused before it began: no folder left
            outdir, lambda why: rep.warning(str(outdir), why)):  # a second run into the
        return _run_in(outdir, args, rep, argv, qc)  # folder is refused, not interleaved


def _run_in(outdir: Path, args: argparse.Namespace, rep: Reporter, argv: list[str],
            qc: QCOptions | None) -> int:
    record = RunRecord(outdir)
    record.close_killed()  # (before the model: which outputs it made, `cli.retrain`)
    remove_all_scratch(outdir)  # a killed `--workers` run's, of any file
    earlier = [outdir / name for name in record.files] + [outdir / MODEL_NAME,
                                                           *previous_outputs(outdir)]
    paths = find_inputs(args.inputs, exclude=earlier, note=rep.warning)
    # (refused before the record is written: an --output that is the input folder kept an
    # empty sdap_run.json among the user's images)
    check_outputs_unique(paths, outdir, args.format, args.series)
    record.save()  # fails early, with a clear message, on a read-only folder
    started = now()  # (before a training: the run's entry is made after it, or at its stop)
    try:
        model, model_path, sha, bad = prepare_model(args, paths, record, outdir, rep)
    except KeyboardInterrupt:  # stopped while training: the record says so
        record.start_run(argv, cwd=os.getcwd(), note="stopped while the model was trained",
                         started=started)
        record.finish_run("interrupted")
        raise
    settings, key = run_settings(model, args)
    del model  # each worker (or the local job) loads the file it is given
    plan = make_plan(paths, outdir, record, model_path, sha, key, settings, args, bad, rep)
    batch = Batch(record, rep, plan, args.debug)
    batch.key, batch.qc = key, qc
    where = (f"scheduler {args.scheduler}" if args.scheduler
             else f"{args.workers} local worker(s)" if args.workers else "this process")
    record.start_run(argv, model=str(model_path), model_sha256=sha, settings=settings,
                     settings_key=key, inputs=len(paths), where=where, cwd=os.getcwd(),
                     started=started)
    rep.info(f"{len(paths)} input(s): {len(plan.tasks)} to denoise, {len(plan.skipped)} already "
             f"done, {len(plan.failed)} refused or unreadable; model {model_path} "
             f"(sha256 {sha[:12]}); on {where}")
    rep.start_batch(len(plan.tasks))
    try:
        if args.scheduler or args.workers:
            _run_cluster(batch, args)
        else:
            _run_local(batch)
    except Exception:  # a fatal error (cluster, record): the record must not stay "running"
        rep.close()
        record.finish_run("failed", denoised=batch.done, skipped=len(plan.skipped),
                          failed=len(batch.failed))
        raise
    except KeyboardInterrupt:
        rep.close()
        hidden = hidden_names(outdir)  # (listed once: a stop of a large batch stays quick)
        for task, _, _ in plan.tasks:  # a worker stopped mid-file may leave its temporary
            if record.files.get(Path(task.output).name, {}).get("status") != "done":
                remove_leftovers(Path(task.output), hidden)
        record.finish_run("interrupted", denoised=batch.done, skipped=len(plan.skipped),
                          failed=len(batch.failed))
        rep.error("", f"stopped after {batch.done} of {len(plan.tasks)} file(s); no partial "
                      f"output was left. Run the same command again to resume.")
        return 130
    rep.end_batch()
    check_done(batch, plan.done)
    status = "failed" if batch.failed else "finished"
    record.finish_run(status, denoised=batch.done, skipped=len(plan.skipped),
                      failed=len(batch.failed))
    checks = f", {batch.qc_failed} quality check(s) failed" if batch.qc_failed else ""
    if batch.not_started:
        checks += (f", {batch.not_started} not started (the disk is full: free space, then run "
                   f"the same command again to resume)")
    rep.summary(f"{status}: {batch.done} denoised, {len(plan.skipped)} skipped (already done), "
                f"{len(batch.failed)} failed{checks}; record {record.path}")
    return 1 if batch.failed or batch.qc_failed else 0
