"""The `napari-sdap` command: train, denoise (batch, resumable, distributed), info and export.

`main(argv)` returns the exit code instead of exiting, so tests and scripts can call it:
0 everything done, 1 some files failed or an unexpected error stopped the command, 2 bad arguments
or settings (or a fatal error such as a missing model), 130 stopped by Ctrl-C or SIGTERM
(SLURM's warning before a job is killed).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["main"]


def _hang_up() -> list[signal.Signals]:
    """SIGHUP where it stops the process (its default): a closed terminal or a dropped ssh
    session killed a batch on the spot, leaving its hidden temporaries (a TIFF's zarr
    temporary: as large as the output) and a record saying `running`. Not where it is
    ignored (`nohup`): that run goes on."""
    hup = getattr(signal, "SIGHUP", None)
    return [hup] if hup is not None and signal.getsignal(hup) is signal.SIG_DFL else []


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM, and a hang-up (`_hang_up`), like Ctrl-C while a command runs (main
    thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in [signal.SIGTERM, *_hang_up()]}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


_PATHS = ("inputs", "output", "model", "reference", "sample")
"""Arguments that name files or folders."""


def _expand_home(args: object) -> None:
    """`~` at the start of a path argument, as a shell expands it (it does not after `=`, as
    in `--output=~/out`, nor inside quotes): a literal `./~` folder was made otherwise."""
    for name in _PATHS:
        value = getattr(args, name, None)
        if isinstance(value, str) and value.startswith("~"):
            setattr(args, name, os.path.expanduser(value))
        elif isinstance(value, list):
            setattr(args, name, [os.path.expanduser(v) if isinstance(v, str) and
                                 v.startswith("~") else v for v in value])


def main(argv: list[str] | None = None) -> int:
    """Run `napari-sdap` with `argv` (default: the process arguments); returns the exit code."""
    if argv is None:
        _open_closed_streams()
    try:
        code = _main(argv)
    except KeyboardInterrupt:  # in the start (the parser's imports), before `_main` handles it:
        sys.stderr.write("error: stopped by the user; nothing was done\n")  # not a traceback
        code = 130
    if argv is None:  # the process's own command: what is left is the interpreter's exit
        _ignore_late_signals()
    return code


def _open_closed_streams() -> None:
    """Give a standard stream the shell closed (`2>&-`, a scheduler's closed stdin) the null
    device: the next file opened (the output folder's lock) took its number, so whatever a
    library wrote to standard error went into that file, and `--workers` children inherited it
    as their standard error."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # (the lowest free number: this one)


def _ignore_late_signals() -> None:
    """Ignore Ctrl-C and SIGTERM after the command's work (its summary printed, its record
    written), while the interpreter shuts down (torch, dask: about a second): such a signal
    turned a finished run's exit code into 130 or 143. (A Python handler would not do: the
    interpreter resets those to the default before the end of its shutdown; SIGKILL stays.)"""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM, *_hang_up()):
        signal.signal(sig, signal.SIG_IGN)


def _no_temporary_folder() -> str | None:
    """Why no temporary folder can be used, or None. torch's compiler (imported with a model),
    matplotlib (`--qc`) and `export` need one; where TMPDIR, /tmp, /var/tmp and the current
    folder are all full or read-only, `info` and `denoise` said the model file "was not
    written by this napari-sdap or was edited" (torch failed half-imported), and `train`
    ended in an unexpected error."""
    import tempfile

    try:
        tempfile.gettempdir()
    except OSError:
        return (f"no temporary folder can be written: TMPDIR "
                f"({os.environ.get('TMPDIR') or 'unset'}), /tmp, /var/tmp and the current "
                f"folder are all full, missing or read-only; free space in /tmp, or set TMPDIR "
                f"to a folder you can write to")
    return None


def _main(argv: list[str] | None) -> int:
    from napari_sdap.cli.parser import build_parser
    from napari_sdap.cli.report import Reporter
    from napari_sdap.errors import SdapError

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as stop:  # --help, --version, usage errors
        return int(stop.code or 0) if not isinstance(stop.code, str) else 2
    _expand_home(args)
    rep = Reporter(quiet=getattr(args, "quiet", False))
    try:  # torch cannot even be imported there (oneMKL: "FATAL ERROR: Cannot load ...")
        os.getcwd()
    except FileNotFoundError:
        rep.error("", "the current folder no longer exists (it was deleted or moved while this "
                      "shell was in it); cd into an existing folder and run the command again")
        return 2
    if why := _no_temporary_folder():
        rep.error("", why)
        return 2
    rep.log_warnings()
    if not getattr(args, "debug", False):
        # tifffile logs its own complaints about a broken file; our one error line says it all
        logging.getLogger("tifffile").setLevel(logging.CRITICAL)
    try:
        with _stop_on_sigterm():
            if args.command != "info":  # before any work: a signal must not land in its init
                from napari_sdap.cli.preload import preload_native

                preload_native()
            if getattr(args, "threads", None):
                import torch

                torch.set_num_threads(args.threads)
            if args.command == "train":
                from napari_sdap.cli.train import run_train

                return run_train(args, rep)
            if args.command == "denoise":
                from napari_sdap.cli.denoise import run_denoise

                return run_denoise(args, rep, ["napari-sdap", *args_list])
            if args.command == "export":
                from napari_sdap.cli.export import run_export

                return run_export(args, rep)
            from napari_sdap.cli.info import run_info

            return run_info(args, rep)
    except KeyboardInterrupt:
        rep.close()
        rep.error("", "stopped by the user; nothing incomplete was left behind")
        return 130
    except SdapError as err:
        rep.close()
        rep.error("", str(err))
        return 2
    except BrokenPipeError:  # the reader of our output went away (`napari-sdap info M | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as err:  # a fault of the software: one line, the traceback on --debug
        if getattr(args, "debug", False):
            raise
        rep.close()
        rep.error("", f"unexpected error ({type(err).__name__}: {err}). Run the command "
                      f"again with --debug for the traceback, and please report it")
        return 1
    finally:
        rep.close()
