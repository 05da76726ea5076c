"""A worker killed mid-file leaves its hidden temporary; the file is then run again elsewhere.

With `--workers`, `kill -9` of one worker process makes dask run its file again on another
worker (or a restarted one): the batch finishes "8 denoised, 0 failed", but the killed
attempt's `.<name>.partial-*.zarr` stayed in the output folder until the next run. Each file's
end now removes what an earlier attempt at it left. Simulated here in one process: the
denoising of a file first leaves a stale temporary, as the killed attempt did.
"""

from __future__ import annotations

from pathlib import Path

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

import napari_sdap.cli.denoise as denoise_cmd
from napari_sdap.cli import main


def _leave_stale_temporary(task) -> Path:
    out = Path(task.output)
    stale = out.parent / f".{out.name}.partial-dead0000.zarr"
    (stale / "c" / "0").mkdir(parents=True)
    (stale / "c" / "0" / "0").write_bytes(b"\0" * 64)  # planes the killed worker wrote
    return stale


def test_a_killed_attempts_temporary_is_removed_when_the_file_ends(stacks, model_file,
                                                                    tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = denoise_cmd.denoise_file
    left = []

    def killed_attempt_first(task, progress=None):
        left.append(_leave_stale_temporary(task))
        if "cell2" in task.input:  # its last attempt fails too
            raise ValueError("worker died again")
        return real(task, progress)

    monkeypatch.setattr(denoise_cmd, "denoise_file", killed_attempt_first)
    code = main(["denoise", str(stacks[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--threads", "1", "--quiet"])
    assert code == 1  # cell2 failed, the others are done
    assert len(left) == 3
    assert not any(p.exists() for p in left)
    assert sorted(p.name for p in out.iterdir()) == ["cell0_sdap.tif", "cell1_sdap.tif",
                                                     "sdap_run.json"]


def test_an_output_set_aside_by_a_killed_overwrite_comes_back_when_the_file_fails(
        stacks, model_file, tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["denoise", str(stacks[0].parent), "--model", str(model_file), "--output", str(out),
            "--device", "cpu", "--threads", "1", "--quiet"]
    assert main(args) == 0
    first = (out / "cell0_sdap.tif").read_bytes()

    def killed_while_overwriting(task, progress=None):
        target = Path(task.output)
        target.rename(target.parent / f".{target.name}.old-dead0000")  # set aside, then killed
        raise ValueError("worker died again")

    monkeypatch.setattr(denoise_cmd, "denoise_file", killed_while_overwriting)
    assert main([*args, "--no-detail", "--overwrite"]) == 1  # other settings: redone
    assert (out / "cell0_sdap.tif").read_bytes() == first  # put back, not left hidden
    assert not [p.name for p in out.iterdir() if ".old-" in p.name]
