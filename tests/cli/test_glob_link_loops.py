"""A `**` glob over a folder holding a link back to an ancestor (`up -> ..`).

Python's recursive glob follows such links until the path is too long: each file was found
about 40 times (hundreds of "skipped: the same file as" lines, the file kept under its deepest
name) and the deepest turns were reported as "a link to ..., which does not exist".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from napari_sdap.cli.discover import find_inputs


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.tif").write_bytes(b"x")
    (data / "sub" / "b.tif").write_bytes(b"x")
    (data / "sub" / "up").symlink_to("..")  # a loop: sub/up/sub/up/...
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.tif").write_bytes(b"x")
    (data / "linked").symlink_to(other)  # a link to another folder: not a loop
    monkeypatch.chdir(data)
    return data


def test_recursive_glob_takes_each_file_once_without_notes(tree: Path) -> None:
    notes: list[tuple[str, str]] = []
    found = find_inputs(["**/*.tif"], note=lambda p, why: notes.append((p, why)))
    assert found == [Path("a.tif"), Path("linked/c.tif"), Path("sub/b.tif")]
    assert notes == []


def test_absolute_recursive_glob(tree: Path) -> None:
    notes: list[tuple[str, str]] = []
    found = find_inputs([f"{tree}/**/*.tif"], note=lambda p, why: notes.append((p, why)))
    assert notes == []
    assert found == [tree / "a.tif", tree / "linked/c.tif", tree / "sub/b.tif"]


def test_a_pattern_that_names_the_link_itself_is_followed(tree: Path) -> None:
    # the user wrote the way through the link: taken as written
    assert find_inputs(["sub/up/*.tif"]) == [Path("sub/up/a.tif")]
