"""A multi-file OME-TIFF dataset whose metadata file sorts after its files of planes
(`BinaryOnly`, naming it): the batch kept the first file, a file of planes, which reads as
its own planes only (tifffile does not follow `BinaryOnly`), and skipped the metadata file as
its part: a third of the dataset was denoised, the rest silently left out. The metadata file,
which reads the whole dataset, is kept."""

from __future__ import annotations

import uuid

import numpy as np
import tifffile

from napari_sdap.cli.discover import find_inputs

_NS = "http://www.openmicroscopy.org/Schemas/OME/2016-06"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _dataset(folder, metadata_at: int) -> list:
    names = ["set_a.ome.tif", "set_b.ome.tif", "set_c.ome.tif"]
    ids = [str(uuid.uuid4()) for _ in names]
    data = "".join(f'<TiffData FirstT="{t}" FirstZ="0" IFD="0" PlaneCount="2"><UUID '
                   f'FileName="{n}">urn:uuid:{ids[t]}</UUID></TiffData>'
                   for t, n in enumerate(names))
    full = (f'<Image ID="Image:0" Name="mf"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" '
            f'Type="uint16" SizeX="32" SizeY="32" SizeZ="2" SizeC="1" SizeT="3"><Channel '
            f'ID="Channel:0:0" SamplesPerPixel="1"/>{data}</Pixels></Image>')
    planes = np.random.default_rng(0).poisson(60, (2, 32, 32)).astype(np.uint16)
    for t, name in enumerate(names):
        body = full if t == metadata_at else (
            f'<BinaryOnly MetadataFile="{names[metadata_at]}" '
            f'UUID="urn:uuid:{ids[metadata_at]}"/>')
        tifffile.imwrite(folder / name, planes, photometric="minisblack", metadata=None,
                         description=f'{_HEAD}<OME xmlns="{_NS}" UUID="urn:uuid:{ids[t]}">'
                                     f'{body}</OME>')
    return [folder / n for n in names]


def test_the_metadata_file_is_kept_where_it_sorts_last(tmp_path) -> None:
    files = _dataset(tmp_path, metadata_at=2)
    with tifffile.TiffFile(files[2]) as tif:  # the metadata file reads the whole dataset
        assert tif.series[0].shape == (3, 2, 32, 32)
    notes: list[tuple[str, str]] = []
    found = find_inputs([str(tmp_path)], note=lambda p, why: notes.append((p, why)))
    assert found == [files[2]]
    assert len(notes) == 2 and all(str(files[2]) in why for _, why in notes)


def test_the_metadata_file_is_kept_where_it_sorts_in_the_middle(tmp_path) -> None:
    files = _dataset(tmp_path, metadata_at=1)
    assert find_inputs([str(tmp_path / "*.ome.tif")]) == [files[1]]
    assert find_inputs([str(files[0]), str(files[1])]) == [files[1]]
