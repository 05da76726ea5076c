"""`napari-sdap denoise --overwrite` replaces earlier outputs, never a folder of other data."""

from __future__ import annotations

from cli_fixtures import model_file_fixture, stacks_fixture  # noqa: F401 (fixtures)

from napari_sdap.cli import main


def test_overwrite_leaves_a_folder_at_an_output_path_alone(stacks, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    folder = out / "cell0_sdap.tif"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("lab notes")
    code = main(["denoise", str(stacks[0].parent), "--model", str(model_file), "--output",
                 str(out), "--device", "cpu", "--overwrite"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"output {folder} is a folder holding notes.txt, not a TIFF file" in err
    assert "choose another output path, or delete" in err
    assert (folder / "notes.txt").read_text() == "lab notes"
    assert (out / "cell1_sdap.tif").is_file() and (out / "cell2_sdap.tif").is_file()
