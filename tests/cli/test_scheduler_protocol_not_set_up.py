"""`--scheduler tls://...` without dask's TLS settings, or `ucx://...` without its package:
dask cannot even open such a connection (a TypeError before any byte is sent), and the
command said the address "did not answer as a dask scheduler does (TypeError)", blaming a
scheduler never contacted. It names the protocol, dask's own reason and what to set up."""

from __future__ import annotations

import distributed  # noqa: F401 (its defaults in dask's config)
import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


@pytest.mark.parametrize(("address", "fix"), [
    ("tls://127.0.0.1:9", "distributed.comm.tls"), ("ucx://127.0.0.1:9", "distributed-ucxx")])
def test_a_protocol_this_machine_cannot_open(stacks, model_file, tmp_path, capsys, address,
                                             fix) -> None:
    pytest.importorskip("distributed")
    if address.startswith("ucx"):
        pytest.importorskip("distributed.comm.ucx")
    import dask

    unset = {"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None,
             "distributed.comm.tls.client.key": None}  # (a machine set up for TLS)
    with dask.config.set(unset):
        code = main(["denoise", str(stacks[0]), "--model", str(model_file), "--output",
                     str(tmp_path / "o"), "--scheduler", address, "--device", "cpu"])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2, last
    assert last.startswith(f"error: --scheduler {address!r}: this machine cannot open"), last
    assert "did not answer" not in last and fix in last and "tcp://" in last
