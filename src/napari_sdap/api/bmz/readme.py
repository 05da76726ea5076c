"""The README of an exported package: what SDAP is, how the model was trained, how to tile it,
and a Validation section with the numbers measured at export."""

from __future__ import annotations

from typing import Any

from napari_sdap.api.bmz.build import Exported

__all__ = ["readme_text"]

_MODES = {
    "student": "the distilled student: a plain convolutional network that sees every pixel, "
               "trained to reproduce the blind-spot teacher's best output (one pass)",
    "bsn": "the blind-spot network in one full-resolution pass (noise independent per pixel)",
    "sdap": "pixel-shuffle down-sampling with stride {pd}, one blind-spot pass on the "
            "sub-images, shuffle back",
    "sdap_e": "pixel-shuffle down-sampling with stride {pd}, one blind-spot pass on the "
              "sub-images, shuffle back, then one more full-resolution blind-spot pass over "
              "that result",
}
"""What each mode runs; `{pd}` is the package's pixel-shuffle stride (the model's inference
setting, which need not be the training stride: a model trained at stride 1 in mode `sdap`)."""


def _training(ex: Exported) -> list[str]:
    m, c = ex.model, ex.model.config
    rec = m.record
    lines = [f"- preset `{c.network.preset}`, width {c.network.width}, {c.network.blocks} "
             f"residual block(s) per branch, {m.parameters:,} teacher parameters",
             f"- training stride {c.training.stride}, {rec.steps} steps, patch "
             f"{c.training.patch_size}, batch {c.training.batch_size}, seed {rec.seed}",
             f"- final loss {rec.final_loss:.4g}" if rec.final_loss is not None else
             "- final loss: not recorded"]
    if m.student is not None:
        fid = (f", fidelity {rec.student_fidelity:.3g} (squared distance from the teacher "
               f"relative to the noisy input's)" if rec.student_fidelity is not None else "")
        lines.append(f"- student: width {m.student.width}, dilations "
                     f"{list(m.student.dilations)}, {rec.student_steps} distillation steps{fid}")
    lines.append(f"- trained on: {', '.join(rec.trained_on) or 'not recorded'}")
    lines.append(f"- {m.describe_detail()}{_not_packaged(ex)}")
    return lines


def _not_packaged(ex: Exported) -> str:
    """Where the model's line names an output blur or mix that this package does not run (they
    go with the mode they were chosen for, with the detail restore on: `SDAPModel.refine`)."""
    c = ex.model.noise_curve
    steps = ("blur", "colour_blur", "mix")
    if c is None or not any(getattr(c, k) for k in steps) or any(ex.kwargs.get(k) for k in steps):
        return ""
    off = "" if ex.model.config.inference.restore_detail else " without the detail restore"
    return (f" (this package runs mode `{ex.mode}`{off}: the output blur and mix go with mode "
            f"`{c.blur_mode}` and the restore on, so it runs neither)")


def readme_text(ex: Exported, name: str, checks: dict[str, float], versions: dict[str, Any]
                ) -> str:
    """Markdown for the package's documentation; `checks`: the largest absolute difference of
    each weights format from napari-sdap's output on the test tensor."""
    detail = ex.kwargs.get("detail", False)
    steps = ["percentile normalisation (values stored in the model)"]
    if "levels" in ex.kwargs:
        steps.append("repair of isolated hot or dead pixels (measured noise curve)")
    steps.append(f"the network, mode `{ex.mode}`: "
                 f"{_MODES[ex.mode].format(pd=ex.kwargs['pd_stride'])}")
    if detail:
        steps.append("detail restore: a local Wiener filter gives back the part of the residual "
                     "that exceeds the measured noise")
    if ex.kwargs.get("blur"):
        steps.append(f"a Gaussian blur of {ex.kwargs['blur']:g} px: the output of a network "
                     "trained on correlated noise keeps part of it; the blur was chosen from "
                     "the noisy training images")
    if ex.kwargs.get("colour_blur"):
        steps.append(f"a Gaussian blur of {ex.kwargs['colour_blur']:g} px of the two colour "
                     "components alone (orthonormal opponent components of RGB): camera noise "
                     "lives largely in the colour; the blur was chosen from the noisy training "
                     "images")
    if ex.kwargs.get("mix"):
        how = (f", blurred by {ex.kwargs['mix_blur']:g} px without the kernel's centre (each "
               "pixel from its neighbours)" if ex.kwargs.get("mix_blur") else " itself")
        steps.append(f"{100 * ex.kwargs['mix']:.0f} % of the (repaired) input{how}, mixed into "
                     "the output: at strong noise a plain blur still helps where the image is "
                     "smooth; the share was chosen from the noisy training images" + (
                         f"; pixels where the blurred input departs from the output by more "
                         f"than {ex.kwargs['mix_guard']:.2g} noise stds get less of it (thin "
                         "lines and puncta keep their contrast)"
                         if ex.kwargs.get("mix_guard") else ""))
    steps.append("inverse normalisation: the output is on the input's intensity scale")
    diffs = "\n".join(f"| {fmt} | {diff:.3g} |" for fmt, diff in checks.items())
    return "\n".join([
        f"# {name}", "",
        "A self-supervised denoiser trained with [napari-sdap](https://pypi.org/project/"
        "napari-sdap/) on noisy images alone (no clean targets). SDAP (Pan et al., ICCV 2023) "
        "trains a blind-spot network, which never sees the pixel it predicts, on random "
        "sub-samples of the noisy image; pixel-shuffle down-sampling breaks up spatially "
        "correlated noise. napari-sdap can distil the result into a small non-blind student.",
        "", "## What the model does", "",
        "Input: the raw image, axes (batch, channel, y, x), any real dtype (cast to float32). "
        "Output: the denoised image on the same intensity scale, float32. Everything runs inside "
        "the model's `forward()` (TorchScript and state-dict weights alike):", "",
        *[f"{i}. {s}" for i, s in enumerate(steps, 1)], "",
        "Other axes (z, time) are denoised plane by plane: pass each plane as one batch item.",
        "", "## Tiling", "",
        f"- y and x: at least {ex.min} pixels, in steps of {ex.step};",
        f"- halo: {ex.halo} pixels each side of a tile depend on pixels outside it; with that "
        f"much overlap, tiled results equal whole-image results (to float rounding).", "",
        "## Training", "", *_training(ex), "",
        "The full napari-sdap configuration is in `napari_sdap_config.json` and the napari-sdap "
        "model file (`napari_sdap_model.safetensors`) is attached: "
        "`napari_sdap.load_model('this-package.zip')` loads it back.", "",
        "## Validation", "",
        "The test tensors are a crop of the user's own image; the test output is napari-sdap's "
        "own denoising of it (tiled, float32, CPU). At export, each weights format was run on "
        "the test input and compared with it (largest absolute difference; the image scale is "
        f"{float(abs(ex.kwargs['scale'][0])):.4g}):", "",
        "| weights | max abs difference |", "| --- | --- |", diffs, "",
        "A denoiser trained without clean images can only be judged by eye on the user's data, "
        "or with clean references where they exist: compare the cover (noisy | denoised) and "
        "check that no structure appears in the residual (input - output). The model is valid "
        "for images of the kind it was trained on (same microscope, noise and intensity range).",
        "", f"Exported with napari-sdap {versions.get('napari_sdap', '?')}, torch "
        f"{versions.get('torch', '?')}. Test it with `bioimageio test this-package.zip`.", ""])
