"""`napari-sdap info` on a model file of format 1.0 (written before napari-sdap distilled
students), or on its bioimage.io package, said its student was missing because "the
distillation stopped before half of its steps, or diverged": no distillation ever ran. It says
that the file is from before students (a package's model file is saved again as 1.1, so the
package's line names it as one of the possible reasons)."""

from __future__ import annotations

import json

from extras import needs
from safetensors.torch import save_file
from synthetic import noisy_sine

import napari_sdap
from napari_sdap.cli import main
from napari_sdap.model import files

SETTINGS = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
            "stride": 1, "steps": 3, "student": False, "device": "cpu"}
STUDENT_FIELDS = ("student_steps", "student_losses", "student_seconds", "student_fidelity",
                  "student_check", "target_blur", "output_blur", "output_mix", "runs",
                  "volume_offset", "precision", "dims")


def _format_1_0_file(tmp_path):
    """A 1.0 file as that version wrote it: no student tensors or fields, no student
    settings in the config, format_version 1.0 (its checksum recomputed)."""
    path = napari_sdap.train(noisy_sine(), "YX", **SETTINGS).save(tmp_path / "new.safetensors")
    tensors, meta = files.read_model_file(path)
    meta.pop("student", None)
    meta["config"].pop("student", None)
    for name in STUDENT_FIELDS:
        meta["record"].pop(name, None)
    meta["format_version"] = "1.0"
    meta_json = json.dumps(meta, sort_keys=True)
    old = tmp_path / "old.safetensors"
    save_file(tensors, str(old), metadata={files._KEY: meta_json,
                                           files._SUM: files._digest(meta_json, tensors)})
    return old


def test_info_says_a_format_1_0_file_is_from_before_students(tmp_path, capsys):
    old = _format_1_0_file(tmp_path)
    assert napari_sdap.load_model(old).student is None
    capsys.readouterr()
    assert main(["info", str(old)]) == 0
    out = capsys.readouterr().out
    assert "format 1.0" in out.splitlines()[0]
    line = next(line for line in out.splitlines() if line.startswith("student"))
    assert "format 1.0 file, saved before napari-sdap distilled students" in line
    assert "stopped" not in line and "diverged" not in line


def _student_line(path, capsys) -> str:
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    return next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("student"))


def test_info_of_the_package_of_a_format_1_0_file(tmp_path, capsys):
    needs("bioimageio.core", "bmz")
    package = napari_sdap.load_model(_format_1_0_file(tmp_path)).export_bmz(
        tmp_path / "old.zip", sample=noisy_sine(), name="Old model", authors=["A B"])
    line = _student_line(package, capsys)
    assert "or the model was saved before napari-sdap distilled students (format 1.0" in line

