"""Plain-language texts for the panels: the noise found, the current model and its state.

Each function returns ``(text, details)``: a short text for a label and the numbers behind it for
its tooltip.
"""

from __future__ import annotations

from typing import Any

__all__ = ["model_text", "noise_text"]


def noise_text(noise: Any) -> tuple[str, str]:
    """What the noise measurement found, in words (`noise`: a model record's `noise`)."""
    from napari_sdap.api.noise import NoiseEstimate

    if noise is None:
        return ("Noise: not measured (stride set by hand, or training continued)",
                "The noise is measured when a new training starts with stride 'auto'.")
    est = NoiseEstimate(**noise) if isinstance(noise, dict) else noise
    if est.stride == 1:
        text = "Noise: independent per pixel → plain blind-spot"
    else:
        text = (f"Noise: correlated over ~{est.stride - 1} px → blind-spot on sub-sampled "
                f"images (stride {est.stride})")
    return text + " (details…)", est.summary()


def model_text(session: Any) -> tuple[str, str]:
    """The current model of `session` and its state, e.g. ``Model: 30 steps, trained on cells``."""
    m = session.model
    if m is None:
        return "Model: none yet - train one or load a model file", ""
    r = m.record
    kind = "plain blind-spot" if m.config.training.stride == 1 else \
        f"sub-sampled blind-spot (stride {m.config.training.stride})"
    parts = [f"{r.steps} steps" if r.steps else "untrained", kind]
    if r.student_steps:
        parts.append("with fast student")
    state = "training…" if session.training else ("denoising…" if session.denoising else "")
    if r.steps and not session.saved:
        state = ", ".join(s for s in (state, "not saved") if s)
    head = f"Model: {', '.join(parts)} - {session.source_name()}"
    return head + (f" ({state})" if state else ""), session.describe()
