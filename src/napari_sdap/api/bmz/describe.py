"""The bioimage.io model description (spec 0.5) of an exported napari-sdap model, built with
`bioimageio.spec` objects (never hand-written YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from napari_sdap.api.bmz.build import Exported
from napari_sdap.errors import InputError

__all__ = ["DESCRIPTION_MAX", "SDAP_CITE", "TAGS", "authors_of", "cites_of", "description_of",
           "license_of", "model_description", "name_of"]

TAGS = ["denoising", "self-supervised", "blind-spot", "sdap", "napari-sdap", "pytorch",
        "fluorescence-light-microscopy", "2d"]
SDAP_CITE = {"text": "Pan et al., Random Sub-Samples Generation for Self-Supervised Real Image "
                     "Denoising, ICCV 2023", "url": "https://arxiv.org/abs/2307.16825"}


def authors_of(authors: Any) -> list[dict[str, str]]:
    """`authors`: None, a name, or a list of names or dicts with a `name` (and `affiliation`,
    `email`, `orcid`, `github_user`)."""
    if authors is None:
        return [{"name": "napari-sdap user"}]
    items = [authors] if isinstance(authors, (str, dict)) else _listed(authors, "authors")
    out = []
    for a in items:
        entry = {"name": a} if isinstance(a, str) else dict(a) if isinstance(a, dict) else {}
        if not str(entry.get("name", "")).strip() or "/" in str(entry["name"]):
            raise InputError(f"author {a!r} needs a name (not empty, without '/'); give e.g. "
                             f"authors=['Ada Lovelace'] or [{{'name': 'Ada Lovelace'}}]")
        out.append(_checked("Author", entry, "author"))
    return out


def _listed(value: Any, name: str) -> list[Any]:
    """`value` as a list, or `InputError` where it is not one (a number, ...)."""
    try:
        return list(value)
    except TypeError:
        raise InputError(f"{name}={value!r} must be a list (or one entry); see "
                         f"SDAPModel.export_bmz") from None


def _checked(kind: str, entry: dict[str, Any], what: str) -> dict[str, Any]:
    """`entry` if bioimage.io's `kind` (`Author`, `CiteEntry`) takes it, else `InputError`
    naming the field and its rule (before any work, not in the finished description)."""
    from bioimageio.spec.model import v0_5 as b
    from pydantic import ValidationError

    try:
        getattr(b, kind)(**entry)
    except (ValidationError, TypeError) as err:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
                        ) if isinstance(err, ValidationError) else str(err)
        raise InputError(f"{what} {entry!r} is not taken by bioimage.io ({why})") from None
    return entry


DESCRIPTION_MAX = 1024
"""The longest description bioimage.io takes (`ModelDescr.description`)."""


def description_of(description: Any) -> str | None:
    """`description` without spaces around it (None for none or spaces alone: the default
    text), if bioimage.io takes it: a text of at most `DESCRIPTION_MAX` characters."""
    if description is not None and not isinstance(description, str):
        raise InputError(f"description must be a text (got {type(description).__name__})")
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise InputError(f"description has {len(text)} characters; bioimage.io takes at most "
                         f"{DESCRIPTION_MAX}: shorten it to one or two sentences on what the "
                         f"model is for (a paper describing it can go in cite=)")
    return text or None


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+- ()")
_LICENSES = ("MIT", "BSD-3-Clause", "Apache-2.0", "CC-BY-4.0", "CC0-1.0", "GPL-3.0-only")


def name_of(name: str | None) -> str | None:
    """`name` if bioimage.io takes it (5-128 letters, digits, spaces and ``_ + - ( )``)."""
    if name is None:
        return None
    if not isinstance(name, str):  # (5 or a path would become a name "5")
        raise InputError(f"name must be a text (got {type(name).__name__} {name!r}); give e.g. "
                         f"name='Nuclei denoiser', or leave it out for the model's own name")
    text = name.strip()  # (spaces around it are no part of a name; spaces alone are none)
    if set(text) <= _NAME_CHARS and 5 <= len(text) <= 128:
        return text
    text = name
    fixed = " ".join("".join(c if c in _NAME_CHARS else " " for c in text).split())[:128]
    fixed = fixed if len(fixed) >= 5 else f"{fixed} model".strip().rjust(5, "_")
    raise InputError(f"name {text!r} may only hold ASCII letters (a-z, A-Z: no accents), digits, "
                     f"spaces and _ + - ( ), 5 to 128 characters (the bioimage.io rule); e.g. "
                     f"{fixed!r}")


def license_of(license: str) -> str:
    """The SPDX licence identifier `license` names, whatever its case."""
    import typing

    from bioimageio.spec._internal import license_id

    known = (*typing.get_args(license_id.LicenseIdLiteral),
             *typing.get_args(license_id.DeprecatedLicenseIdLiteral))
    found = {k.lower(): k for k in known}.get(str(license).lower())
    if found is None:
        raise InputError(f"license {license!r} is not an SPDX licence identifier; give one such "
                         f"as {', '.join(_LICENSES)} (https://spdx.org/licenses)")
    return found


def cites_of(cite: Any) -> list[dict[str, str]]:
    """The SDAP paper plus `cite`: None, or one or a list of dicts with `text` and a `doi` or
    `url`."""
    if isinstance(cite, str):
        raise InputError(f"cite={cite!r} is a text; give a dict with 'text' and a 'doi' or "
                         f"'url' (or a list of them), e.g. {{'text': 'Me et al. 2026', "
                         f"'doi': '10.1234/abcd'}}")
    extra = [] if cite is None else [cite] if isinstance(cite, dict) else _listed(cite, "cite")
    for c in extra:
        if not isinstance(c, dict) or not c.get("text") or not (c.get("doi") or c.get("url")):
            raise InputError(f"cite entry {c!r} needs a 'text' and a 'doi' or 'url', e.g. "
                             f"{{'text': 'Me et al. 2026', 'doi': '10.1234/abcd'}}")
        _checked("CiteEntry", c, "cite entry")
    return [SDAP_CITE, *extra]


def _axes(ex: Exported, output: bool) -> list[Any]:
    from bioimageio.spec.model import v0_5 as b

    names = [f"channel{i}" for i in range(ex.channels)]
    axes: list[Any] = [b.BatchAxis(), b.ChannelAxis(channel_names=names)]
    for a in ("y", "x"):
        if output:
            ref = b.SizeReference(tensor_id=b.TensorId("input"), axis_id=b.AxisId(a))
            axes.append(b.SpaceOutputAxisWithHalo(id=b.AxisId(a), size=ref, halo=ex.halo))
        else:
            size = b.ParameterizedSize(min=ex.min, step=ex.step)
            axes.append(b.SpaceInputAxis(id=b.AxisId(a), size=size))
    return axes


def model_description(ex: Exported, files: dict[str, Path], *, name: str, description: str,
                      authors: list[dict[str, str]], license: str, cite: list[dict[str, str]],
                      napari_sdap_config: dict[str, Any]) -> Any:
    """The `bioimageio.spec` ModelDescr of the package; `files`: input, output, cover, readme,
    torchscript, state_dict, architecture, model file, config json (local paths)."""
    from bioimageio.spec.model import v0_5 as b

    float32 = b.IntervalOrRatioDataDescr(type="float32")
    inp = b.InputTensorDescr(
        id=b.TensorId("input"), axes=_axes(ex, False), data=float32,
        description="raw image on its own intensity scale (the normalisation is in the model)",
        test_tensor=b.FileDescr(source=files["input"]),
        preprocessing=[b.EnsureDtypeDescr(kwargs=b.EnsureDtypeKwargs(dtype="float32"))])
    out = b.OutputTensorDescr(
        id=b.TensorId("output"), axes=_axes(ex, True), data=float32,
        description="denoised image on the input's intensity scale",
        test_tensor=b.FileDescr(source=files["output"]))
    version = b.Version(torch.__version__.split("+")[0])
    arch = b.ArchitectureFromFileDescr(source=files["architecture"], callable="SDAPDenoiser",
                                       kwargs=ex.kwargs)
    weights = b.WeightsDescr(
        pytorch_state_dict=b.PytorchStateDictWeightsDescr(
            source=files["state_dict"], architecture=arch, pytorch_version=version,
            comment="state dict of SDAPDenoiser in sdap_architecture.py (imports only torch)"),
        torchscript=b.TorchscriptWeightsDescr(
            source=files["torchscript"], pytorch_version=version, parent="pytorch_state_dict",
            comment="torch.jit.script of the same module: the whole inference in one graph"))
    bio = b.BioimageioConfig(
        architecture_type="blind-spot CNN" if ex.mode != "student" else "CNN (distilled)",
        architecture_description=(
            f"napari-sdap inference mode {ex.mode!r}: normalisation, outlier repair, network, "
            f"detail restore and inverse normalisation in one module"),
        task="denoising", model_parameter_count=sum(
            p.numel() for p in ex.module.net.parameters()))
    return b.ModelDescr(
        name=name, description=description, authors=[b.Author(**a) for a in authors],
        cite=[b.CiteEntry(**c) for c in cite], license=license, tags=TAGS,
        documentation=b.FileDescr(source=files["readme"]),
        covers=[b.FileDescr(source=files["cover"])],
        inputs=[inp], outputs=[out], weights=weights,
        attachments=[b.FileDescr(source=files["model"]), b.FileDescr(source=files["config"])],
        config=b.Config(bioimageio=bio, napari_sdap=napari_sdap_config))
