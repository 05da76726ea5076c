"""Which series of a TIFF file is read, and whether its pages and codecs can be trusted.

tifffile describes a file as series: an OME-TIFF can hold several images, a multi-page TIFF
with pages of different shapes several stacks. Reading series 0 alone would drop the others
while the run reports done, so a file with more than one image series is refused until one is
chosen. Reduced-resolution levels (pyramids) and thumbnails, labels and macro photos of slide
scanners are not image series of their own.

An ImageJ or OME header that disagrees with the pages (more planes than pages: tifffile
zero-fills or falls back to generic pages; fewer: the extra pages are silently left out) is
refused, as is a compression whose decoder (the `imagecodecs` package) is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napari_sdap.errors import InputError

__all__ = ["check_series", "choose_series", "image_series", "series_listing", "tiff_axes"]

_TIFF_AXES = {"S": "C", "E": "C", "I": "S", "Q": "S", "R": "S"}
"""tifffile axis letters -> ours (tifffile S = colour samples, I = image sequence, Q = unknown)."""
_NOT_IMAGES = {"thumbnail", "label", "macro", "overview", "map"}
"""Names of slide-scanner series that are pictures of the slide, not image data."""


def tiff_axes(raw: str) -> str:
    out = []
    for a in raw.upper():
        b = _TIFF_AXES.get(a, a)
        if b in out and a in _TIFF_AXES:  # e.g. both I and Q: keep the file's letter, fail later
            b = a
        out.append(b)
    return "".join(out)


def image_series(tif: Any) -> list[int]:
    """Indices of the series that hold image data (not thumbnails or reduced pages)."""
    found = []
    for i, s in enumerate(tif.series):
        reduced = bool(getattr(s.keyframe, "is_reduced", False))
        if not reduced and str(s.name or "").strip().lower() not in _NOT_IMAGES:
            found.append(i)
    return found


def _describe(tif: Any, i: int) -> str:
    s = tif.series[i]
    name = f" {s.name!r}" if s.name else ""
    return f"series {i}{name}: axes {tiff_axes(s.axes)}, shape {tuple(s.shape)}"


_SHOWN = 6
"""Series named one by one in a message; a file of thousands (a stack written frame by frame,
each page its own series) would otherwise make a message of hundreds of kilobytes."""


def series_listing(indices: Any, describe: Any) -> str:
    """`describe(i)` of the first few `indices`, then how many more and the last one."""
    indices = list(indices)
    if len(indices) <= _SHOWN + 1:
        return "; ".join(describe(i) for i in indices)
    first = "; ".join(describe(i) for i in indices[:_SHOWN])
    return (f"{first}; ... {len(indices) - _SHOWN - 1} more ...; {describe(indices[-1])}")


def _frames(tif: Any, images: list[int]) -> str:
    """The fix for series that are all alike (one axes, shape and dtype): most likely the
    frames of one stack written one at a time (`TiffWriter.write` in a loop makes each page a
    series of its own), which are read together once saved as one stack."""
    kinds = {(s.axes, tuple(s.shape), str(s.dtype)) for s in (tif.series[i] for i in images)}
    if len(kinds) != 1 or tif.is_ome:
        return ""
    axes = tiff_axes(next(iter(kinds))[0])
    stack = "T" + axes if "T" not in axes else "Z" + axes
    return (f"; if they are the frames of one stack (written one at a time), save them as one "
            f"stack: tifffile.imwrite('stack.tif', tifffile.imread(path, is_shaped=False), "
            f"imagej=True, metadata={{'axes': '{stack}'}})")


def choose_series(tif: Any, series: int | None, path: Path) -> int:
    """The series to read: `series`, or the only image series; refuse when it is ambiguous."""
    images = image_series(tif)
    listing = series_listing(images or range(len(tif.series)), lambda i: _describe(tif, i))
    if series is None:
        if len(images) > 1:
            raise InputError(
                f"{path}: the file holds {len(images)} image series ({listing}); only one is "
                f"read at a time: choose it with series=N (napari_sdap.open_image(path, "
                f"series=N); CLI: --series N), e.g. series={images[1]}{_frames(tif, images)}")
        return images[0] if images else 0
    if isinstance(series, bool) or not isinstance(series, int) or not (
            0 <= series < len(tif.series)):
        raise InputError(f"{path}: series={series!r} does not exist; the file's image series "
                         f"are: {listing}; give one of their numbers")
    return series


def _header(tif: Any, kind: str) -> str:
    ij = (tif.imagej_metadata or {}) if kind == "imagej" else {}
    said = ", ".join(f"{k}={ij[k]}" for k in ("images", "channels", "slices", "frames")
                     if k in ij)
    return f"{kind} header{f' ({said})' if said else ''}"


@dataclass
class _Pages:
    """What the checks need of a series' pages, gathered in one pass (tifffile parses a page's
    tags each time it is visited: three passes took 2.1 s for a 5000-page file)."""

    count: int = 0
    missing: int = 0
    offsets: set[int] = field(default_factory=set)
    """Offsets of the pages in this file (not companion files)."""
    end: int = 0
    """The end of the last data block of the pages in this file."""
    codecs: set[tuple[int, int]] = field(default_factory=set)
    """(compression, predictor) of the pages that carry their own (not frames)."""


def _gather(tif: Any, series: Any) -> _Pages:
    import tifffile

    def codec(page: Any) -> None:
        if isinstance(page, tifffile.TiffPage):  # frames decode with their keyframe's
            facts.codecs.add((int(page.compression), int(page.predictor)))

    facts = _Pages()
    codec(series.keyframe)
    for p in series.pages:  # one page at a time: a list of 100 000 parsed pages is ~0.4 GB
        facts.count += 1
        if p is None:
            facts.missing += 1
            continue
        codec(p)
        if getattr(p, "parent", None) is tif:
            facts.offsets.add(p.offset)
            if p.dataoffsets:
                facts.end = max(facts.end, p.dataoffsets[-1] + p.databytecounts[-1])
    return facts


def _unread_pages(tif: Any, series: Any, used: set[int]) -> list[int]:
    """Main-chain pages with image data that no series reads (reduced pages excepted); `used`:
    the offsets of `series`' own pages."""
    total = len(tif.pages)
    if len(used) < total:
        used = used | {p.offset for s in tif.series for i, level in enumerate(s.levels)
                       if s is not series or i > 0 for p in level.pages
                       if p is not None and getattr(p, "parent", None) is tif}
    if len(used) >= total:
        return []
    unread = []
    for i in range(total):
        page = tif.pages[i]
        if page.offset not in used and not getattr(page, "is_reduced", False):
            unread.append(i)
    return unread


def check_series(tif: Any, series: Any, path: Path) -> None:
    """Refuse a TIFF series whose pages do not hold what its header announces, whose data is
    cut, or whose compression cannot be decoded here, before any work.

    tifffile falls back to reading whatever pages it finds when an ImageJ/OME header does not
    match them (a copy cut short at a page boundary, or a wrong page count): a 5-slice stack
    cut after its first page would otherwise open as one complete-looking 2-D image. A header
    announcing fewer planes than there are pages would silently drop the rest.
    """
    import tifffile

    declared = [k for k, flag in (("imagej", tif.is_imagej), ("ome", tif.is_ome),
                                  ("shaped", tif.is_shaped)) if flag]
    kind = str(series.kind).lower()
    if declared and kind not in declared:
        raise InputError(f"{path}: the file's {len(tif.pages)} page(s) do not match its "
                         f"{_header(tif, declared[0])}: truncated copy or wrong page count; "
                         f"copy or export the file again")
    cut = _chain_cut(tif)
    if cut is not None:
        raise InputError(f"{path}: the file is truncated (page {len(tif.pages) - 1} links to a "
                         f"next page at byte {cut}, but the file has {tif.filehandle.size} "
                         f"bytes; the pages after it are missing); copy or export it again")
    try:
        pages = _gather(tif, series)
    except tifffile.TiffFileError as err:
        raise InputError(f"{path}: the TIFF structure is damaged ({err}); the file is "
                         f"truncated or corrupted: copy or export it again") from None
    if pages.missing:
        raise InputError(f"{path}: its {_header(tif, kind)} describes {pages.count} planes "
                         f"(shape {tuple(series.shape)}) but {pages.missing} of them are not "
                         f"in the file (they would read as zeros): truncated copy, wrong header "
                         f"or missing companion files; copy or export the file again")
    size = tif.filehandle.size
    end = pages.end if series.dataoffset is None else series.dataoffset + series.nbytes
    if end > size:
        raise InputError(f"{path}: the file is truncated (its image data runs to byte {end} "
                         f"but the file has {size} bytes); copy or export it again")
    unread = _unread_pages(tif, series, pages.offsets) if declared else []
    if unread:
        shown = ", ".join(str(i) for i in unread[:8]) + (" ..." if len(unread) > 8 else "")
        raise InputError(f"{path}: {len(unread)} of the file's {len(tif.pages)} pages "
                         f"(number {shown}) hold image data its {_header(tif, declared[0])} "
                         f"does not describe, so they would be dropped: wrong header or pages "
                         f"added later; export the file again so header and pages agree")
    _check_codecs(pages.codecs, path)


def _chain_cut(tif: Any) -> int | None:
    """Where the last page tifffile found says the next page is, when that is past the end of
    the file (a copy cut short): tifffile stops there with a log line, and a stack whose header
    description was cut off too would open as a complete-looking single plane. None otherwise."""
    import struct

    fmt, size = tif.tiff, tif.filehandle.size
    offset = tif.pages[len(tif.pages) - 1].offset
    try:
        fh = tif.filehandle
        fh.seek(offset)
        count = struct.unpack(fmt.tagnoformat, fh.read(fmt.tagnosize))[0]
        fh.seek(offset + fmt.tagnosize + count * fmt.tagsize)
        raw = fh.read(fmt.offsetsize)
    except (OSError, struct.error):
        return None  # unreadable here: tifffile's own errors name it
    if len(raw) < fmt.offsetsize:
        return offset + fmt.tagnosize + count * fmt.tagsize
    following = struct.unpack(fmt.offsetformat, raw)[0]
    return following if following >= size else None


def _codec_error(path: Path, what: str, key: int, err: KeyError) -> InputError:
    reason = str(err).strip("'\"")
    if "imagecodecs" in reason:
        return InputError(f"{path}: the image data is {what} {key}, whose decoder is in the "
                          f"imagecodecs package, which is not installed; install it with "
                          f"pip install imagecodecs (a dependency of napari-sdap) and retry")
    return InputError(f"{path}: the image data uses {what} {key}, which cannot be read "
                      f"({reason}); save the file uncompressed or with zlib/LZW compression")


def _check_codecs(codecs: set[tuple[int, int]], path: Path) -> None:
    """Refuse pages whose compression or predictor cannot be decoded here."""
    import tifffile

    table = tifffile.TIFF
    for compression, predictor in sorted(codecs):
        if compression != 1:
            try:
                table.DECOMPRESSORS[compression]
            except KeyError as err:
                raise _codec_error(path, "compressed with", _name(compression), err) from None
        if predictor != 1 and compression not in table.IMAGE_COMPRESSIONS:
            try:
                table.UNPREDICTORS[predictor]
            except KeyError as err:
                raise _codec_error(path, "stored with predictor", predictor, err) from None


def _name(compression: int) -> Any:
    import tifffile

    try:
        return tifffile.COMPRESSION(compression).name
    except ValueError:
        return compression
