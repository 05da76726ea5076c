"""Where no temporary folder can be written (TMPDIR, /tmp, /var/tmp and the current folder
full or read-only), torch's compiler failed half-imported when a model was loaded: `info`
and `denoise` said the model file "was not written by this napari-sdap or was edited", and
`train` ended in "unexpected error (FileNotFoundError ...)". Each command says what is wrong
in one line before any work, exit code 2."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


@pytest.fixture(name="no_temporary_folder")
def no_temporary_folder_fixture(monkeypatch) -> None:
    def none_usable() -> str:
        raise FileNotFoundError(2, "No usable temporary directory found in ['/tmp', ...]")

    monkeypatch.setattr(tempfile, "gettempdir", none_usable)


@pytest.mark.parametrize("command", ["info", "denoise", "train"])
def test_each_command_names_the_temporary_folder(no_temporary_folder, command, model_file,
                                                 stacks, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    args = {"info": ["info", str(model_file)],
            "denoise": ["denoise", str(stacks[0]), "--model", str(model_file), "-o", str(out)],
            "train": ["train", str(stacks[0]), "--model", str(tmp_path / "m.safetensors"),
                      "--preset", "tiny", "--steps", "1"]}[command]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no temporary folder can be written")
    assert "TMPDIR" in err[0] and "edited" not in err[0]
    assert not out.exists() and not (tmp_path / "m.safetensors").exists()
