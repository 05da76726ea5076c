"""Connecting to dask.distributed for a batch: a scheduler's address checked, or local worker
processes started, with Ctrl-C and a hang-up kept from the processes while they start."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from napari_sdap.errors import ConfigError
from napari_sdap.paths import printable

__all__ = ["connect", "dashboard"]


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored while local worker processes start: they inherit it (Python installs its
    KeyboardInterrupt handler only where SIGINT is not ignored), so Ctrl-C in a terminal, which
    reaches the whole process group, stops this process alone and it shuts the workers down;
    each worker had printed its own KeyboardInterrupt traceback.

    A SIGTERM or hang-up that this command turns into a stop (`cli._stop_on_sigterm`) is held
    back until the cluster has started, then delivered: landing inside `LocalCluster`, it left
    a half-made cluster that dask's exit handler failed to close (about 35 lines of dask
    tracebacks after the command's own line)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    stops = [sig for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None))
             if sig is not None and callable(signal.getsignal(sig))]
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    before = {sig: signal.signal(sig, lambda signum, frame: held.append(signum))
              for sig in stops}
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        for sig, handler in before.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])


@contextmanager
def connect(scheduler: str | None, workers: int | None) -> Iterator[tuple[Any, int]]:
    """A dask `Client` on an existing scheduler or on a new local cluster of processes.

    Yields (client, number of workers). A local cluster is shut down on exit, which also ends
    any task still running there.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--scheduler and --workers need dask.distributed; install it with "
                          "pip install 'napari-sdap[distributed]'") from None
    cluster = None
    try:
        if scheduler:
            import dask

            wait = dask.config.get("distributed.comm.timeouts.connect", "30s")
            _check_scheduler(scheduler, wait)
            try:
                client = Client(scheduler, timeout=wait)
            except OSError as err:
                raise ConfigError(f"cannot reach the dask scheduler at {scheduler} ({err}); "
                                  f"check the address and that the scheduler runs") from None
        else:
            n = int(workers or 1)
            # the CLI reports each failed file in one line: the workers' own error logs
            # (a traceback per refused file) are silenced
            # memory_limit=0: no pausing at 80 % of the machine's memory / n (a paused worker
            # stays so, as it holds no dask data to spill: with every worker paused the batch
            # hung without a word) and no restart at 95 %; a worker out of memory is ended by
            # the system, and its file reported (`denoise._message`)
            with _ctrl_c_ignored():  # the workers never see Ctrl-C: this process stops them
                _tracker_ignores_hang_up()
                try:
                    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", memory_limit=0,
                                           silence_logs=logging.CRITICAL)
                except (OSError, RuntimeError) as err:  # ("Cluster failed to start: ...")
                    raise ConfigError(_no_local_cluster(n, err)) from None
            client = Client(cluster)
        try:
            n_workers = len(client.scheduler_info()["workers"]) or 1
            yield client, n_workers
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _tracker_ignores_hang_up() -> None:
    """Start multiprocessing's resource tracker (which the local workers' start would start)
    with SIGHUP blocked. It ignores SIGINT and SIGTERM itself but not a hang-up, which reaches
    the whole process group (a closed terminal, `kill -HUP -PGID`): it died, was started again
    when the workers were shut down, and printed a KeyError traceback for each of their
    semaphores it had never seen (a dozen after the command's "stopped" line)."""
    hup = getattr(signal, "SIGHUP", None)
    if hup is None or not hasattr(signal, "pthread_sigmask"):
        return
    from multiprocessing import resource_tracker

    # blocked, not ignored: the block is inherited through its exec (and never lifted there),
    # while a hang-up reaching this process meanwhile is delivered once it is unblocked
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [hup])
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def dashboard(client: Any, local: bool) -> str:
    """The dask dashboard's address for the run's first line, or why there is none: local
    workers (`--workers`) started without bokeh installed serve a dashboard that answers every
    page with 404 ("HTTP Error 404: Not Found"), which the line had named as where to watch."""
    import importlib.util

    if local and importlib.util.find_spec("bokeh") is None:
        return "no dashboard (dask's dashboard needs bokeh: pip install bokeh)"
    return f"dashboard {client.dashboard_link}"


def _no_local_cluster(workers: int, err: BaseException) -> str:
    """What to say where `--workers` could not start its processes (it was "unexpected error
    (RuntimeError: Cluster failed to start: [Errno 30] Read-only file system: ...)")."""
    import dask

    scratch = dask.config.get("temporary-directory", None) or "unset: the temporary folder"
    return (f"could not start {workers} local worker process(es) ({printable(err)}); check "
            f"that dask's temporary directory (DASK_TEMPORARY_DIRECTORY, 'temporary-directory' "
            f"in dask's configuration: {printable(scratch)}) can be written and that the "
            f"machine has memory to spare, or run without --workers")


def _check_scheduler(address: str, wait: Any) -> None:
    """Reach `address` once, the scheduler's greeting included, within `wait` (and 5 s): dask's
    `Client` waits for that greeting without a limit, so a port that accepts and never answers
    (the dashboard's, a service behind a firewall) hung the command for ever, and one that
    answers in another protocol ran out of memory reading its bytes as a message's length. An
    address dask cannot parse (`http://`, no port) ended as an unexpected error. Each is a
    `ConfigError` naming the address."""
    import asyncio

    from dask.utils import parse_timedelta
    from distributed.comm import connect as reach
    from distributed.security import Security

    seconds = parse_timedelta(wait, default="seconds") or 30
    hint = ("check the address and that the scheduler runs; give the scheduler's own address, "
            "as it prints it (tcp://HOST:8786 by default), not its dashboard's (:8787)")

    async def greet() -> None:
        comm = await reach(address, timeout=seconds,
                           **Security().get_connection_args("client"))
        await comm.close()

    try:
        _apart(lambda: asyncio.run(asyncio.wait_for(greet(), seconds + 5)))
    except ValueError as err:
        raise ConfigError(f"--scheduler {printable(address)!r} is not an address of a dask "
                          f"scheduler ({err}); {hint}") from None
    except TimeoutError:
        raise ConfigError(f"the dask scheduler at {printable(address)} did not answer within "
                          f"{seconds + 5:g} s; {hint}") from None
    except OSError as err:
        raise ConfigError(f"cannot reach the dask scheduler at {printable(address)} ({err}); "
                          f"{hint}") from None
    except TypeError as err:  # (before any byte was sent: it had been "did not answer")
        raise ConfigError(_unsupported_protocol(address, err)) from None
    except Exception as err:  # (MemoryError: another protocol's bytes read as a length)
        raise ConfigError(f"{printable(address)} did not answer as a dask scheduler does "
                          f"({type(err).__name__}); {hint}") from None


def _unsupported_protocol(address: str, err: BaseException) -> str:
    """What to say where dask cannot even open a connection of `address`'s protocol on this
    machine: `tls://` without dask's TLS settings ("TLS expects a `ssl_context` argument"),
    `ucx://` without its package ("Can't instantiate abstract class UCXConnector"). It was
    "did not answer as a dask scheduler does (TypeError)", for an address never contacted."""
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    fix = {"tls": "set dask's TLS configuration (distributed.comm.tls: ca-file and the "
                  "client's cert and key) as the scheduler's own security requires",
           "ucx": "install dask's UCX support (distributed-ucxx) on this machine"}.get(
        scheme, "check dask's configuration for that protocol")
    return (f"--scheduler {printable(address)!r}: this machine cannot open a {scheme}:// "
            f"connection ({printable(err)}); {fix}, or give the scheduler's tcp:// address")


def _apart(fn: Callable[[], None]) -> None:
    """`fn()`, in a thread of its own where this one runs an event loop (`main` called from a
    notebook), where `asyncio.run` refuses to run; its exception is raised here."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # (no loop here)
        fn()
        return
    raised: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as err:  # (raised again in the caller's thread)
            raised.append(err)

    thread = threading.Thread(target=run, daemon=True, name="sdap-scheduler-check")
    thread.start()
    thread.join()
    if raised:
        raise raised[0]
