"""Whether the current model is the one that made a result (the Quality control panel)."""

from __future__ import annotations

from typing import Any

from napari_sdap.errors import InputError

__all__ = ["check_made_by"]

_KEYS = ("steps", "student_steps", "final_loss", "seed", "trained_on")
"""The fields of a result's model record (`api.provenance`) that tell one model state from
another (the file and its sha256 are left out: a model saved after it denoised is the same)."""


def _state(model: Any) -> dict[str, Any]:
    r = model.record
    return {"steps": r.steps, "student_steps": r.student_steps, "final_loss": r.final_loss,
            "seed": r.seed, "trained_on": list(r.trained_on)}


def _said(state: dict[str, Any]) -> str:
    loss = state.get("final_loss")
    return f"{state.get('steps')} steps" + (f", final loss {loss:.4g}"
                                            if isinstance(loss, float) else "")


def _same(a: Any, b: Any) -> bool:
    """Equal, a NaN loss included (NaN != NaN)."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


def check_made_by(name: str, sdap: dict[str, Any], model: Any) -> None:
    """Refuse to compare the result `name` (its layer's ``metadata["sdap"]``) with `model`'s
    noise and detail restore when another model, or this one at another stage of its training,
    made it: the check would judge the result by a network that did not make it (the restore
    share of one result read 1.0 with its model and 0.0 with the next one trained). A result
    without a model record is not refused."""
    made = sdap.get("model") or {}
    if not made or model is None:
        return
    now = _state(model)
    if all(_same(made.get(k), now[k]) for k in _KEYS):
        return
    raise InputError(f"{name!r} was denoised by another model ({_said(made)}) than the current "
                     f"one ({_said(now)}), or by this one before it was trained further; load "
                     f"the model that denoised it, or untick 'compare with the model's noise' "
                     f"to check it without a model")
