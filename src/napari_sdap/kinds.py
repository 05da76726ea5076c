"""Strict kinds of the settings' values (`config`): a flag is a real bool, a count a real
integer, a number a real number (numpy's own scalars included, as a notebook's np.arange or
np.bool_ gives them).

pydantic's default coercion took `compile="no"` as True (any string it reads as yes/no, and
`bool("no")` where a front end tested it), `steps=True` as 1 step, `flips=2.0` as 2 and
`learning_rate=True` as 1.0. Model files hold JSON bools, integers and numbers, so they pass.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator

__all__ = ["Flag", "Flips", "Real", "Whole", "flag_or_auto", "is_flag", "is_whole", "lowered",
           "raised", "real", "real_or_auto", "whole"]


def is_flag(value: Any) -> bool:
    """Whether `value` is a real bool (Python's or numpy's), not a text or number read as one."""
    return isinstance(value, bool | np.bool_)


def is_whole(value: Any) -> bool:
    """Whether `value` is a Python or numpy integer (a bool is not)."""
    return isinstance(value, int | np.integer) and not is_flag(value)


def _flag(value: Any) -> Any:
    if is_flag(value):
        return bool(value)
    raise ValueError(f"must be True or False, not a {type(value).__name__} (a text such as "
                     f"'no' or a number would be read as yes or no); give True or False")


def whole(value: Any) -> Any:
    """A Python or numpy integer as an int (the config's range check follows); others
    (bool, float, text) raise `ValueError` naming the value, the rule and the fix."""
    if is_whole(value):
        return int(value)
    exact = isinstance(value, float | np.floating) and float(value).is_integer()
    hint = f"{int(value)}" if exact else "an int such as 2"
    raise ValueError(f"must be a whole number (an int), not a {type(value).__name__}; "
                     f"give {hint}")


def real(value: Any) -> Any:
    """A Python or numpy int or float as a float; bool and text raise `ValueError`."""
    if isinstance(value, int | float | np.integer | np.floating) and not is_flag(value):
        if not math.isfinite(float(value)):  # (before the range: NaN is no number in it)
            raise ValueError("must be a finite number, not NaN or infinite; give e.g. 0.5")
        return float(value)
    raise ValueError(f"must be a number (an int or a float), not a {type(value).__name__}; "
                     f"give e.g. 0.5" + (" (not in quotes)" if isinstance(value, str) else ""))


def lowered(value: Any) -> Any:
    """A text in lower case, without surrounding blanks (the settings' names: `mode="BSN"` and
    `loss="L2"` are taken as `device="CPU"` is); other values are left to the type's check."""
    return value.strip().lower() if isinstance(value, str) else value


def raised(value: Any) -> Any:
    """A text in upper case, without surrounding blanks (axis letters: `along="t"`)."""
    return value.strip().upper() if isinstance(value, str) else value


def flag_or_auto(value: Any) -> Any:
    """True, False or the text 'auto' (`StudentConfig.student`)."""
    if isinstance(value, str) and lowered(value) == "auto":
        return "auto"
    if is_flag(value):
        return bool(value)
    raise ValueError(f"must be True, False or 'auto', not a {type(value).__name__} of another "
                     f"value; give True or False ('auto': the model decides)")


def real_or_auto(value: Any) -> Any:
    """A number or the text 'auto' (`StudentConfig.target_blur`)."""
    return "auto" if isinstance(value, str) and lowered(value) == "auto" else real(value)


Flag = Annotated[bool, BeforeValidator(_flag)]
"""A real bool (numpy's too)."""
Whole = Annotated[int, BeforeValidator(whole)]
"""A real integer (numpy's too), not a bool or a float."""
Real = Annotated[float, BeforeValidator(real)]
"""A real number (numpy's too), not a bool or a text."""
Flips = Annotated[Literal[1, 2, 4, 8], BeforeValidator(whole)]
"""A count of flips: 1, 2, 4 or 8, as an integer (True, which equals 1, and 2.0 are refused)."""
