"""Channel names: read from OME-XML, ImageJ slice labels and OME-Zarr `omero`, checked before use.

Names travel from the readers to the writers as `ImageSource.metadata["channels"]`: one entry
per channel, None for a channel without a name. They are kept only where the file names its
channels one by one and their count is the image's number of channels (the length of its C
axis, 1 without one), so an output never gets a name that belongs to another channel. A name
that is not a string, or is empty, is left out quietly; any other name is kept as it is, less
the characters XML cannot hold (control characters, lone surrogates), so that every writer
(OME-XML, ImageJ labels, JSON) can store it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from napari_sdap.io.tiff_display import input_metadata

__all__ = ["channel_colours", "channel_count", "channel_names", "imagej_channels",
           "imagej_colours", "imagej_luts", "ome_channels", "ome_image_fields",
           "omero_channels", "output_colours", "plane_labels"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold, even escaped."""


def channel_count(axes: str, shape: Sequence[int]) -> int:
    """How many channels an image of `axes` and `shape` has: the length of its C axis, else 1."""
    return int(shape[axes.index("C")]) if "C" in axes else 1


def _name(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = _NOT_XML.sub("", value)
    return value if value.strip() else None


def channel_names(values: Any, count: int) -> list[str | None] | None:
    """`values` as the names of `count` channels (None where one has no usable name); None
    when they are not a list of `count` entries or none of them is a name."""
    if not isinstance(values, (list, tuple)) or len(values) != count:
        return None
    names = [_name(v) for v in values]
    return names if any(n is not None for n in names) else None


def _local(tag: Any) -> str:
    """An XML tag without its namespace (`{http://...}Image` -> `Image`)."""
    return str(tag).rsplit("}", 1)[-1]


def _ome_image(xml: str, index: int, series: int, name: str | None) -> Any:
    """The `Image` element of series `index` of `series` in the OME-XML `xml` (matched by
    `name` where the counts differ), or None."""
    from xml.etree import ElementTree

    try:
        images = [e for e in ElementTree.fromstring(xml) if _local(e.tag) == "Image"]
    except (ElementTree.ParseError, TypeError, ValueError):
        return None
    if len(images) == series and 0 <= index < series:
        return images[index]
    named = [im for im in images if im.get("Name") == name]  # (tifffile skipped an image)
    return named[0] if len(named) == 1 else None


def ome_image_fields(xml: str, index: int, series: int, name: str | None) -> dict[str, str]:
    """`Name`, `AcquisitionDate` and `Description` of the OME `Image` of series `index`
    (texts, less what XML cannot hold; left out where missing or empty)."""
    image = _ome_image(xml, index, series, name)
    if image is None:
        return {}
    found = {"Name": image.get("Name")}
    for child in image:
        if _local(child.tag) in ("AcquisitionDate", "Description"):
            found[_local(child.tag)] = child.text
    kept = {k: v for k, v in ((k, _name(v)) for k, v in found.items()) if v is not None}
    if "AcquisitionDate" in kept:  # (OME's xsd:dateTime: another text would make the
        from datetime import datetime  # output's OME-XML invalid)

        try:
            datetime.fromisoformat(kept["AcquisitionDate"].strip().replace("Z", "+00:00"))
        except ValueError:
            del kept["AcquisitionDate"]
    return kept


def ome_channels(xml: str, index: int, series: int, name: str | None, count: int,
                 colours: bool = False) -> list[str | None] | None:
    """The `Channel Name`s of image `index` in the OME-XML `xml` of a file of `series` image
    series (matched by `name` where the counts differ, as `tiff_meta` matches its pixel
    sizes); their `Color`s as `RRGGBB` with `colours`. Parsed here, not through
    `tifffile.xml2dict`, which reads a name such as "488" as a number."""
    image = _ome_image(xml, index, series, name)
    if image is None:
        return None
    pixels = next((e for e in image if _local(e.tag) == "Pixels"), None)
    if pixels is None:
        return None
    found = [e for e in pixels if _local(e.tag) == "Channel"]
    if colours:
        return channel_colours([_ome_colour(e.get("Color")) for e in found], count)
    return channel_names([e.get("Name") for e in found], count)


def _ome_colour(value: Any) -> str | None:
    """OME's `Color` (a signed 32-bit RGBA integer) as `RRGGBB`."""
    try:
        rgba = int(str(value)) & 0xFFFFFFFF
    except (TypeError, ValueError):
        return None
    return f"{rgba >> 8:06X}"


def channel_colours(values: Any, count: int) -> list[str | None] | None:
    """`values` as the display colours (`RRGGBB`) of `count` channels (None where one has no
    valid colour); None when they are not `count` entries or none of them is a colour. They
    travel as `ImageSource.metadata["colours"]` and are written where the output has the
    input's channels (`output_colours`)."""
    if not isinstance(values, (list, tuple)) or len(values) != count:
        return None
    colours = [v.upper() if isinstance(v, str) and re.fullmatch("[0-9A-Fa-f]{6}", v)
               and v != "000000" else None for v in values]  # (black shows nothing: an
    # unset colour, e.g. OME's Color="0", which written as a lookup table hid the channel)
    return colours if any(c is not None for c in colours) else None


def output_colours(record: Any, axes: str, count: int) -> list[str | None] | None:
    """The input's channel colours from an output's provenance `record`, where the output has
    the input's channels (its axes; `count` channels), else None."""
    source, found = input_metadata(record)
    if source.get("axes") != axes:
        return None
    return channel_colours(found.get("colours"), count)


def imagej_channels(ij: dict[str, Any], axes: str,
                    shape: Sequence[int]) -> list[str | None] | None:
    """Channel names from an ImageJ stack's slice labels (`Labels`, one per plane in ImageJ's
    order, channels varying fastest). A channel is named only where the file labels every
    plane and all planes of the channel carry the same label: labels that differ from plane
    to plane name the planes (a file name, a depth), not the channel, and labels for fewer
    planes than the stack has say nothing of the planes left. A stack without a C axis is one
    channel (as ImageJ counts it), named where all its planes carry one label."""
    import math

    labels = ij.get("Labels")
    if isinstance(labels, str):  # (tifffile reads the label of a single plane as a string)
        labels = [labels]
    if not isinstance(labels, (list, tuple)) or not labels or not axes.endswith("YX"):
        return None
    count = channel_count(axes, shape)
    if ij.get("channels", 1) != count:  # colour samples (RGB), not ImageJ channels
        return None
    if len(labels) != math.prod(int(s) for s in shape[:-2]):
        return None
    names = [_name(label) for label in labels]
    found = [set(names[c::count]) for c in range(count)]
    return channel_names([next(iter(s)) if len(s) == 1 else None for s in found], count)


def imagej_colours(ij: dict[str, Any], count: int) -> list[str | None] | None:
    """Channel colours (`RRGGBB`) from an ImageJ hyperstack's lookup tables (`LUTs`, one per
    channel): the colour each channel's brightest value is shown in, for tables that rise
    from black (None for others, e.g. an inverted one)."""
    import numpy as np

    luts = ij.get("LUTs")
    if isinstance(luts, np.ndarray) and luts.ndim == 2:  # (one channel's: tifffile's read)
        luts = [luts]
    if not isinstance(luts, (list, tuple)) or ij.get("channels", 1) != count:
        return None
    tops = []
    for lut in luts:
        lut = np.asarray(lut)
        ok = (lut.ndim == 2 and lut.shape[0] == 3 and lut.shape[1] >= 2
              and lut.dtype.kind == "u" and int(lut[:, 0].max()) == 0
              and int(lut[:, -1].max()) > 0)  # (black to a colour: an inverted table, white
        # to black, has no colour to give; written as black to black it hid the channel)
        tops.append("".join(f"{min(int(v), 255):02X}" for v in lut[:, -1]) if ok else None)
    return channel_colours(tops, count)


def imagej_luts(colours: Sequence[str | None]) -> list[Any] | None:
    """ImageJ lookup tables (3 x 256 uint8, black to the colour) for `colours`; None unless
    every channel has one (ImageJ takes a table for each channel or none)."""
    import numpy as np

    if not colours or any(c is None for c in colours):
        return None
    ramp = np.arange(256, dtype=np.uint16)
    return [np.stack([(ramp * int(str(c)[i:i + 2], 16) // 255).astype(np.uint8)
                      for i in (0, 2, 4)]) for c in colours]


def plane_labels(names: Sequence[str | None], axes: str,
                 lead: tuple[int, ...]) -> list[str]:
    """ImageJ slice labels for planes of the leading shape `lead` (axes `axes`): each plane
    labelled with its channel's name ("" for a channel without one); without a C axis every
    plane with the name of the image's one channel."""
    import numpy as np

    if "C" not in axes:
        return [names[0] or ""] * int(np.prod(lead, dtype=np.int64))
    at = axes.index("C")
    return [names[idx[at]] or "" for idx in np.ndindex(*lead)]


def omero_channels(attrs: dict[str, Any], count: int,
                   colours: bool = False) -> list[str | None] | None:
    """Channel names from the `omero` metadata of an OME-Zarr group's attributes (NGFF 0.5:
    in the `ome` namespace; 0.4 and earlier: at the top): `omero.channels[].label`; their
    colours (`color`, `RRGGBB`) with `colours`."""
    ome = attrs.get("ome")
    omero = attrs.get("omero") or (ome.get("omero") if isinstance(ome, dict) else None)
    channels = omero.get("channels") if isinstance(omero, dict) else None
    if not isinstance(channels, list):
        return None
    key = "color" if colours else "label"
    values = [c.get(key) if isinstance(c, dict) else None for c in channels]
    return channel_colours(values, count) if colours else channel_names(values, count)
