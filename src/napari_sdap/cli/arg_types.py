"""argparse types of the `napari-sdap` options: whole numbers and numbers within bounds, with
one-line messages that name the rule (`cli.parser`)."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from typing import Any

from napari_sdap.config import LEVEL_MAX

__all__ = ["amount", "axes", "choice", "config", "cores", "flips", "level", "mpix", "path",
           "positive", "seconds", "stride", "target_blur", "whole"]


def whole(lo: int, hi: int, why: str = "") -> Callable[[str], int]:
    """argparse type: a whole number lo..hi; anything else (inf, nan, 1.5, -1) is refused."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number {lo}..{hi}{why} "
                                             f"(got {text!r})")
        return value

    return parse


def choice(*names: str) -> dict[str, Any]:
    """`type=` and `choices=` of an option that takes one of `names` in any letter case
    (`--mode BSN`): the name is stored as listed; another text is refused as typed."""
    def convert(text: str) -> str:
        return next((n for n in names if n.lower() == text.strip().lower()), text)

    return {"type": convert, "choices": list(names)}


def config(section: str | None, name: str) -> Callable[[str], int]:
    """argparse type for an SDAPConfig field: a whole number within the config's own bounds."""
    from napari_sdap.config import SDAPConfig

    fields = SDAPConfig.model_fields
    owner = fields[section].annotation if section else SDAPConfig
    info = owner.model_fields[name]  # type: ignore[union-attr]
    lo = next(m.ge for m in info.metadata if hasattr(m, "ge"))
    hi = next(m.le for m in info.metadata if hasattr(m, "le"))
    return whole(lo, hi)


def target_blur(text: str) -> float | str:
    """argparse type of --target-blur: `auto` or a standard deviation of 0-3 pixels."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 3.0:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a standard deviation of 0-3 pixels "
                                         f"(got {text!r})")
    return value


def flips(text: str) -> int:
    """argparse type of --flips: one of the counts `config.InferenceConfig.flips` allows."""
    from typing import get_args

    from napari_sdap.config import InferenceConfig

    counts = get_args(InferenceConfig.model_fields["flips"].annotation)
    if text not in {str(c) for c in counts}:
        raise argparse.ArgumentTypeError(f"must be {', '.join(map(str, counts[:-1]))} or "
                                         f"{counts[-1]} (got {text!r})")
    return int(text)


def cores() -> int:
    return os.cpu_count() or 1


def stride(text: str) -> str:
    """argparse type of --stride: `auto` or 1..8 (kept as text: it is recorded as given)."""
    if text != "auto":
        whole(1, 8, " or auto")(text)
    return text


def number(unit: str, top: float, bottom: float | None = None) -> Callable[[str], float]:
    """argparse type: a finite number above 0 (from `bottom`, where given) and at most `top`
    (`unit` names it, where not empty)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        inside = value > 0 if bottom is None else value >= bottom
        if not (math.isfinite(value) and inside and value <= top):
            where = (f"above 0 and at most {top:.0f}" if bottom is None else
                     f"from {bottom:g} to {top:g}")
            of = f" of {unit}" if unit else ""
            raise argparse.ArgumentTypeError(f"must be a number{of} {where} (got {text!r})")
        return value

    return parse


mpix = number("megapixels", 1e6)
seconds = number("seconds", 1e7)


positive = whole(1, 1_000_000)
level = number("", LEVEL_MAX, -LEVEL_MAX)
amount = number("", LEVEL_MAX, 0.0)
"""The known noise level's numbers (`config.LEVEL_MAX`): the offset, and the std and gain."""


def axes(text: str) -> str:
    """Axes letters for every input: each of S, T, C, Z, Y, X at most once, Y and X among
    them (a bad value is a usage error before anything is read or written)."""
    letters = text.strip().upper()
    bad = sorted(set(letters) - set("STCZYX"))
    if bad or len(set(letters)) != len(letters) or not {"Y", "X"} <= set(letters):
        why = (f"unknown letter(s) {', '.join(map(repr, bad))}" if bad else "a letter twice"
               if len(set(letters)) != len(letters) else "no Y and X")
        raise argparse.ArgumentTypeError(f"must be axes letters from STCZYX, each at most "
                                         f"once, with Y and X, e.g. ZYX or TCZYX (got "
                                         f"{text!r}: {why})")
    return letters


def _not_blank(kind: str, why: str, fix: str) -> Callable[[str], str]:
    """An argparse type of a `kind` argument that refuses an empty or blank value (`why`: what
    it would do; `fix`: what to give instead)."""

    def check(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"must be {kind}, not {_blank(text)} ({why}is a "
                                             f"shell variable unset?); {fix}")
        return text

    return check


path = _not_blank("a file or folder path", "an empty path would mean the current folder; ",
                  "give '.' for the current folder")
"""argparse type of a file or folder argument: not empty nor only spaces (`''`, an unset shell
variable as in `-o "$OUT"`, would mean the current folder: all its images as inputs, or the
outputs and run record written among them; `' '` made a folder named by a space)."""
file_path = _not_blank("a file path", "", "give the file's name")
"""argparse type of a file argument (a model, a reference image, a package, export's sample):
not empty nor only spaces (its message named `model.safetensors` for a reference image, and
`path`'s "give '.'" for export's model and package, which cannot be a folder)."""
address = _not_blank("a scheduler address", "",
                     "give e.g. tcp://node1:8786, or leave --scheduler out to run on this "
                     "machine")
"""argparse type of a dask scheduler address: not empty nor only spaces (an empty one ran the
batch locally, silently)."""


def _blank(text: str) -> str:
    return "empty" if not text else f"only spaces ({text!r})"
