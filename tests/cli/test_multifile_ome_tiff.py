"""A multi-file OME-TIFF dataset (Bio-Formats `bfconvert` split by time point, Micro-Manager's
files of planes beside the one holding the metadata) is read whole from any of its files, so a
folder of N such files was denoised N times: N outputs of the same whole dataset, N times the
work and disk. A batch takes each dataset once, from its first file, and notes the others."""

from __future__ import annotations

import uuid

import numpy as np
import tifffile

from napari_sdap.cli.discover import find_inputs

_NS = "http://www.openmicroscopy.org/Schemas/OME/2016-06"


def _pixels(names, ids):
    data = "".join(f'<TiffData FirstT="{t}" FirstZ="0" IFD="0" PlaneCount="2"><UUID '
                   f'FileName="{names[t]}">urn:uuid:{ids[t]}</UUID></TiffData>'
                   for t in range(len(names)))
    return (f'<Image ID="Image:0" Name="mf"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" '
            f'Type="uint16" SizeX="32" SizeY="32" SizeZ="2" SizeC="1" SizeT="{len(names)}" '
            f'PhysicalSizeX="0.2" PhysicalSizeY="0.2"><Channel ID="Channel:0:0" '
            f'SamplesPerPixel="1"/>{data}</Pixels></Image>')


def _write(path, xml):
    planes = np.random.default_rng(0).poisson(60, (2, 32, 32)).astype(np.uint16)
    tifffile.imwrite(path, planes, description=xml, photometric="minisblack", metadata=None)


def _dataset(folder, binary_only=False):
    names = ["set_t0.ome.tif", "set_t1.ome.tif", "set_t2.ome.tif"]
    ids = [str(uuid.uuid4()) for _ in names]
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    for t, name in enumerate(names):
        if binary_only and t:
            body = f'<BinaryOnly MetadataFile="{names[0]}" UUID="urn:uuid:{ids[0]}"/>'
        else:
            body = _pixels(names, ids)
        _write(folder / name, f'{head}<OME xmlns="{_NS}" UUID="urn:uuid:{ids[t]}">{body}</OME>')
    return [folder / n for n in names]


def test_a_folder_of_one_dataset_gives_one_input(tmp_path):
    files = _dataset(tmp_path)
    with tifffile.TiffFile(files[1]) as tif:  # (any file reads the whole dataset)
        assert tif.series[0].shape == (3, 2, 32, 32)
    notes = []
    found = find_inputs([str(tmp_path)], note=lambda p, why: notes.append((p, why)))
    assert found == [files[0]]  # was all three: three outputs of the same dataset
    assert len(notes) == 2 and "multi-file OME-TIFF dataset of" in notes[0][1]


def test_files_of_planes_beside_the_metadata_file(tmp_path):
    files = _dataset(tmp_path, binary_only=True)
    assert find_inputs([str(tmp_path / "*.ome.tif")]) == [files[0]]
    assert find_inputs([str(files[2]), str(files[0])]) == [files[0]]


def test_separate_ome_tiffs_are_all_kept(tmp_path):
    for i in range(2):
        tifffile.imwrite(tmp_path / f"cell{i}.ome.tif",
                         np.zeros((2, 32, 32), np.uint16), metadata={"axes": "ZYX"})
    assert [p.name for p in find_inputs([str(tmp_path)])] == ["cell0.ome.tif", "cell1.ome.tif"]
    one = _dataset(tmp_path)  # a dataset beside them
    assert [p.name for p in find_inputs([str(tmp_path)])] == [
        "cell0.ome.tif", "cell1.ome.tif", "set_t0.ome.tif"]
    assert find_inputs([str(one[2])]) == [one[2]]  # one file named alone is read whole


def test_renamed_single_file_exports_are_all_kept(tmp_path):
    """Single-file OME-TIFFs exported as `image.ome.tif` and renamed still name that file (with
    their own UUID): beside a file of that name they are not parts of its dataset."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    for name in ("image.ome.tif", "sample1.ome.tif", "sample2.ome.tif"):
        uid = str(uuid.uuid4())
        _write(tmp_path / name,
               f'{head}<OME xmlns="{_NS}" UUID="urn:uuid:{uid}">'
               f'{_pixels(["image.ome.tif"], [uid])}</OME>')
    assert [p.name for p in find_inputs([str(tmp_path)])] == [
        "image.ome.tif", "sample1.ome.tif", "sample2.ome.tif"]
