"""`denoise --train` into a folder whose model name (sdap_model.safetensors) is a symbolic link
to nothing is refused before the training: it trained, then failed to save the model."""

from __future__ import annotations

import os

import pytest
from cli_fixtures import stacks_fixture  # noqa: F401 (fixture)

import napari_sdap.cli.plan as plan
from napari_sdap.cli import main


def test_a_dead_link_at_the_model_name_is_refused_first(stacks, tmp_path, monkeypatch,
                                                        capsys):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(tmp_path / "gone.safetensors", out / "sdap_model.safetensors")
    monkeypatch.setattr(plan, "train_on", lambda *a: pytest.fail("trained before refusing"))
    code = main(["denoise", str(stacks[0].parent), "--train", "--output", str(out),
                 "--preset", "tiny", "--steps", "2", "--device", "cpu", "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "is a link to" in err and "gone.safetensors" in err and "remove the link" in err
    assert os.path.islink(out / "sdap_model.safetensors")  # (left as it was)
