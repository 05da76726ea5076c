"""Plain-language texts for the panels: the noise found, the current model and its state.

Each function returns ``(text, details)``: a short text for a label and the numbers behind it for
its tooltip.
"""

from __future__ import annotations

from typing import Any

__all__ = ["model_text", "noise_text", "planes_text", "stopped_text"]


def noise_text(noise: Any) -> tuple[str, str]:
    """What the noise measurement found, in words (`noise`: a model record's `noise`)."""
    from napari_sdap.api.noise import NoiseEstimate

    if noise is None:
        return ("Noise: not measured (stride set by hand, or training continued)",
                "The noise is measured when a new training starts with stride 'auto'.")
    est = NoiseEstimate(**noise) if isinstance(noise, dict) else noise
    scheme = ("plain blind-spot (stride 1)" if est.stride == 1 else
              f"blind-spot on sub-sampled images (stride {est.stride})")
    if est.unmeasured:  # (the notes, in the details, say why)
        # (a 128 x 128 mosaic of dim tiles with a 0 fill was "so small an image")
        flat = est.one_value
        why = ("could not be measured → the safe default" if est.stride > 1 else
               "not measurable: the flattest part of the image is one value (a fill or a "
               "clipped background) → white noise assumed" if flat else
               "not measurable on so small an image → white noise assumed")
        text = f"Noise: {why}, {scheme}"
    elif est.notes:  # read, but the image is too small for the stride it read (too few flat
        # blocks to tell noise from texture, or sub-images too small: the notes say which)
        text = ("Noise: read on a small image → white noise assumed, " + scheme
                if est.stride == 1 else f"Noise: correlated, the stride limited by the "
                f"image's size → {scheme}")
    elif est.whitened:  # (a scanner's line: correlated along it, trained on it whitened)
        text = (f"Noise: correlated along {est.whitened} only (a scan line) → whitened along "
                f"it, {scheme}")
    elif est.stride == 1:
        text = "Noise: independent per pixel → plain blind-spot"
    else:
        text = (f"Noise: correlated over ~{est.stride - 1} px → blind-spot on sub-sampled "
                f"images (stride {est.stride})")
    if est.loss == "l2":
        text += "; trained for each pixel's mean (L2 loss)"
    return text + " (details…)", est.summary()


def planes_text(model: Any) -> tuple[str, str]:
    """How `model` treats the planes of a stack and why (its record's `dims`); no text for a
    model trained 2-D without being asked to choose (the default) or from an older file."""
    n, why = model.config.network, model.record.dims or ""
    if n.dims == 2 and not why.startswith("dims=auto"):
        return "", why
    if n.dims == 2:
        head = "Stack planes: each on its own (2-D)"
    else:
        each = f"{n.z_context} plane{'s' if n.z_context > 1 else ''}"
        apart = f", {n.z_step} planes apart" if n.z_step > 1 else ""
        head = f"Stack planes: 3-D, with {each} on each side along {n.along}{apart}"
    return f"{head}. Why: {why}" if why else head, why


def model_text(session: Any) -> tuple[str, str]:
    """The current model of `session` and its state, e.g. ``Model: 30 steps, trained on cells``."""
    m = session.model
    if m is None:
        return "Model: none yet - train one or load a model file", ""
    r = m.record
    kind = "plain blind-spot" if m.config.training.stride == 1 else \
        f"sub-sampled blind-spot (stride {m.config.training.stride})"
    parts = [f"{r.steps} steps" if r.steps else "untrained", kind]
    if m.config.network.dims == 3:
        parts.append(f"3-D along {m.config.network.along}")
    if r.student_steps and m.student is not None:
        parts.append("with fast student")
    elif r.student_check and m.student is None:  # the check dropped it
        parts.append("no student (it denoised worse on held-out pixels)")
    state = "training…" if session.training else ("denoising…" if session.denoising else "")
    if r.steps and not session.saved:
        state = ", ".join(s for s in (state, "not saved") if s)
    head = f"Model: {', '.join(parts)} - {session.source_name()}"
    return head + (f" ({state})" if state else ""), session.describe()


def stopped_text(model: Any, distilled: bool = True) -> str:
    """The Train panel's status after Stop: the model is kept; a model that distils a student
    but has none says so: stopped before its distillation was half done (which drops it), or,
    with `distilled` False, before its distillation began (Stop during the first stage)."""
    from napari_sdap.config import wants_student

    steps = model.record.steps if model is not None else 0
    text = f"stopped at step {steps}; the model is kept (Continue, Save or Denoise)"
    if model is not None and model.student is None and wants_student(model.config) \
            and not model.record.student_check:  # (a student the check dropped is named apart)
        why = "its distillation was stopped before half of its steps" if distilled else \
            "training was stopped before its distillation began"
        text += (f"; it has no student yet ({why}): it denoises with the blind-spot network, "
                 f"and Continue distils one")
    return text
