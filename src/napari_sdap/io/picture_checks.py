"""Checks of PNG and JPEG pictures that their decoders do not make.

libjpeg decodes a JPEG cut short (an interrupted download or copy) without an error: the
missing rows come out flat grey, and a cut progressive JPEG comes out coarse. A complete JPEG
ends its image data with the end-of-image marker (FF D9), which a cut one lacks.
"""

from __future__ import annotations

__all__ = ["decode_error", "jpeg_cut", "other_format"]

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_CODECS = {".png": "PNG_DECODE", ".jpg": "JPEG8_DECODE", ".jpeg": "JPEG8_DECODE"}


def jpeg_cut(data: bytes) -> bool:
    """Whether `data`, a JPEG file, lacks the end-of-image marker after its image data.

    The segments before the first scan are skipped by their lengths (an EXIF thumbnail inside
    them carries its own end marker); in the scan data a byte FF is always followed by 00 or a
    restart marker, so FF D9 there can only be the end. Data that is no JPEG gives False (the
    decoder names it)."""
    if data[:2] != bytes((0xFF, _SOI)):
        return False
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == _EOI:
            return False
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker == _SOS:
            return data.find(bytes((0xFF, _EOI)), i + 2 + length) < 0
        i += 2 + length
    return True  # cut inside its headers


_OTHERS = ((b"II*\x00", "TIFF", ".tif"), (b"MM\x00*", "TIFF", ".tif"),
           (b"II+\x00", "TIFF", ".tif"), (b"MM\x00+", "TIFF", ".tif"),
           (b"\x93NUMPY", "NumPy array", ".npy"))


def other_format(data: bytes) -> tuple[str, str] | None:
    """(kind, ending) of a file named like a picture that holds a format napari-sdap reads
    otherwise: the picture decoder would take a TIFF stack's first page alone."""
    return next(((kind, ending) for magic, kind, ending in _OTHERS if data.startswith(magic)),
                None)


def decode_error(err: Exception, suffix: str) -> str:
    """The line of imagecodecs' error that concerns the file's own format: it tries every
    codec it has and joins their ~25 complaints into one message."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if len(lines) <= 1:
        return f"{type(err).__name__}: {err}"
    codec = _CODECS.get(suffix.lower(), "")
    return next((line for line in lines if codec and line.startswith(codec)), lines[0])
