"""One batch at a time per output folder: a second run is refused, a dead run's lock is not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main
from napari_sdap.cli.lock import LOCK_NAME, folder_lock


def _run(stacks: list[Path], model: Path, out: Path) -> int:
    return main(["denoise", str(stacks[0].parent), "--model", str(model), "--output", str(out),
                 "--device", "cpu"])


def test_a_second_run_into_a_busy_folder_is_refused(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        assert _run(stacks, model_file, out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "another napari-sdap run is writing into" in err[0]
        assert f"process {os.getpid()}" in err[0] and "--output" in err[0]
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written
    assert _run(stacks, model_file, out) == 0  # free again once the first run ends
    record = json.loads((out / "sdap_run.json").read_text())
    assert [r["status"] for r in record["runs"]] == ["finished"]
    assert not (out / LOCK_NAME).exists()  # a finished run leaves no lock file behind
    assert _run(stacks, model_file, out) == 0  # the lock file is not taken for an input


@pytest.mark.skipif(os.name != "posix", reason="kills a process with SIGKILL")
def test_the_lock_of_a_killed_run_is_free(stacks, model_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code = ("import os, signal, sys; from pathlib import Path; "
            "from napari_sdap.cli.lock import folder_lock\n"
            "with folder_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); os.kill(os.getpid(), signal.SIGKILL)")
    proc = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL and proc.stdout.strip() == "held"
    assert _run(stacks, model_file, out) == 0


def test_a_lock_file_unlinked_as_it_is_locked_is_not_held(tmp_path, monkeypatch):
    """A run that opened the lock file just before the run holding it ended (and unlinked it)
    locked the unlinked file, and a third run could then lock a new one: two batches at once."""
    from napari_sdap.cli import lock

    real, calls = lock._try_lock, []

    def unlinked_first(fd):
        if not calls:  # the run that held it ends now, between our open and our lock
            (tmp_path / LOCK_NAME).unlink()
        calls.append(fd)
        return real(fd)

    monkeypatch.setattr(lock, "_try_lock", unlinked_first)
    (tmp_path / LOCK_NAME).write_text("")
    with folder_lock(tmp_path):
        assert len(calls) == 2 and (tmp_path / LOCK_NAME).exists()  # the file at the path
        monkeypatch.setattr(lock, "_try_lock", real)
        with pytest.raises(Exception, match="another napari-sdap run is writing"):
            with folder_lock(tmp_path):
                pass


@pytest.mark.skipif(os.name != "posix", reason="POSIX links and flock")
def test_a_link_or_a_folder_at_the_lock_file_is_refused_and_nothing_it_points_to_changes(
        stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (out / LOCK_NAME).symlink_to(precious)
    assert _run(stacks, model_file, out) == 2
    err = capsys.readouterr().err
    assert "is a link, where napari-sdap keeps its lock file" in err
    assert precious.read_text() == "keep me" and (out / LOCK_NAME).is_symlink()
    (out / LOCK_NAME).unlink()
    (out / LOCK_NAME).symlink_to(tmp_path / "nowhere")  # a dangling link: no stray file
    assert _run(stacks, model_file, out) == 2
    assert not (tmp_path / "nowhere").exists()
    (out / LOCK_NAME).unlink()
    (out / LOCK_NAME).mkdir()
    assert _run(stacks, model_file, out) == 2
    assert "is a folder, where napari-sdap keeps its lock file" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_a_file_system_without_locks_runs_unlocked_with_a_warning(
        stacks, model_file, tmp_path, capsys, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    out = tmp_path / "out"
    assert _run(stacks, model_file, out) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "takes no locks (No locks available)" in err
    assert "unexpected error" not in err and (out / "cell0_sdap.tif").exists()
    assert not (out / LOCK_NAME).exists()  # (nothing left behind)


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_a_lock_file_left_unwritable_is_replaced_and_names_the_holder(tmp_path, monkeypatch):
    """A lock file another user's killed run left named that dead run as the holder."""
    out = tmp_path / "out"
    out.mkdir()
    stale = out / LOCK_NAME
    stale.write_text(json.dumps({"pid": 4242, "host": "otherhost", "started": "2026-01-01"}))
    real_open = os.open

    def as_another_user(path, flags, *mode):  # root may write anything: refuse like a user
        if Path(path) == stale and flags & (os.O_RDWR | os.O_WRONLY) and stale.exists() \
                and "4242" in stale.read_text():
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *mode)

    monkeypatch.setattr(os, "open", as_another_user)
    with folder_lock(out):
        holder = json.loads(stale.read_text())
        assert holder["pid"] == os.getpid()
