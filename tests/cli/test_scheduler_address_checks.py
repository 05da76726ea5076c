"""`--scheduler` at an address that is not a dask scheduler's. dask's `Client` waits for the
scheduler's greeting without a limit: a port that accepts and never answers (a dashboard, a
service behind a firewall) hung the command for ever, and one that answers in another
protocol ended in "unexpected error (MemoryError: Unable to allocate 3.07 EiB ...)";
`http://HOST:8787` (the dashboard's address) or an address without a port ended in
"unexpected error (ValueError ...)", exit code 1. Each is one line naming the address and the
scheduler's own address to give, exit code 2."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import distributed  # noqa: F401 (its defaults in dask's config before `_run` sets one)
import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


@pytest.fixture(name="server")
def server_fixture(request) -> Iterator[int]:
    """A local port that accepts connections and sends `request.param` (or nothing)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            if request.param:
                conn.sendall(request.param)

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


def _run(args: list[str], capsys) -> tuple[int | None, str]:
    import dask

    result: list[int] = []

    def go() -> None:
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            result.append(main(args))

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(60)
    return (result[0] if result else None), capsys.readouterr().err


def _args(stack: Path, model: Path, out: Path, address: str) -> list[str]:
    return ["denoise", str(stack), "--model", str(model), "--output", str(out),
            "--scheduler", address, "--device", "cpu"]


@pytest.mark.parametrize("server", [b"", b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4],
                         indirect=True, ids=["silent", "another protocol"])
def test_a_port_that_is_no_scheduler(stacks, model_file, tmp_path, capsys, server) -> None:
    address = f"tcp://127.0.0.1:{server}"
    code, err = _run(_args(stacks[0], model_file, tmp_path / "o", address), capsys)
    assert code == 2, "the command hung or failed otherwise: " + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and address in last and "unexpected" not in last
    assert "did not answer" in last and "not its dashboard's" in last


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "headnode"])
def test_an_address_dask_cannot_read(stacks, model_file, tmp_path, capsys, address) -> None:
    code, err = _run(_args(stacks[0], model_file, tmp_path / "o", address), capsys)
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: --scheduler {address!r} is not an address of a dask")
    assert "tcp://HOST:8786" in last
