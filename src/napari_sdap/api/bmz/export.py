"""`SDAPModel.export_bmz`: write a bioimage.io model package (zip) atomically."""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from napari_sdap.api.bmz.build import (
    Exported,
    check_exportable,
    test_tensors,
    write_cover,
    write_weights,
)
from napari_sdap.errors import InputError, OutputError
from napari_sdap.io.locate import array_paths, check_apart, overlaps
from napari_sdap.paths import atomic_write, broken_link, long_name, printable
from napari_sdap.values import check_overwrite

__all__ = ["ARCHITECTURE_FILE", "CONFIG_FILE", "MODEL_FILE", "export_bmz", "require_bioimageio"]

MODEL_FILE = "napari_sdap_model.safetensors"
CONFIG_FILE = "napari_sdap_config.json"
ARCHITECTURE_FILE = "sdap_architecture.py"


def require_bioimageio() -> None:
    """Raise `InputError` naming the install command when bioimageio.spec is missing."""
    if importlib.util.find_spec("bioimageio") is None or \
            importlib.util.find_spec("bioimageio.spec") is None:
        raise InputError("exporting to bioimage.io needs the bioimageio.spec and bioimageio.core "
                         "libraries; install them with: pip install 'napari-sdap[bmz]'")


def _check_target(path: Path, overwrite: bool) -> None:
    overwrite = check_overwrite(overwrite)  # ("no" would count as true)
    if path.is_dir():  # (first: 'does not end in .zip, e.g. out.zip' put it beside the folder)
        raise OutputError(f"{path} is a folder; give a file name such as {path / 'model.zip'}")
    if path.suffix.lower() != ".zip":
        raise OutputError(f"{path} does not end in .zip; bioimage.io packages are zip files, "
                          f"e.g. {path.with_suffix('.zip').name}")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} already exists; choose another name or pass overwrite=True "
                          f"(CLI: --overwrite)")
    if not overwrite and (why := broken_link(path, "package", "overwrite=True (CLI: "
                                                              "--overwrite)")):
        raise OutputError(why)  # (else refused after all the work, as written meanwhile)
    if path.parent.exists() and not path.parent.is_dir():  # (said "does not exist")
        raise OutputError(f"{path.parent} is a file, not a folder, so {path.name} cannot go "
                          f"inside it; choose another path")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist; create it first")


def _check_not_input(path: Path, model: Any, sample: Any) -> None:
    """Refuse a package path that is the model file or package the model was loaded from,
    under its name or through a link (the export would replace its own input), or that is,
    or lies inside, the sample image (a file written into the user's zarr store)."""
    check_apart(path, [path], array_paths(sample))
    source = getattr(model, "loaded_from", None)  # (gone since: nothing to replace)
    if source is not None and os.path.lexists(path) and overlaps(path, source):
        raise OutputError(f"{path} is the model file this model was loaded from ({source}); "
                          f"an export never replaces its input, even with overwrite: choose "
                          f"another name for the package, e.g. {path.stem}_v2.zip")


def _run(module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def _state_dict_copy(kwargs: dict[str, Any], module: torch.nn.Module, source: Path
                     ) -> torch.nn.Module:
    """The module rebuilt the way a consumer does: from the packaged architecture file."""
    spec = importlib.util.spec_from_file_location("sdap_architecture_check", source)
    if spec is None or spec.loader is None:
        raise OutputError(f"cannot import the packaged architecture {source}")
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    copy = code.SDAPDenoiser(**kwargs)
    copy.load_state_dict(module.state_dict(), strict=True)
    return copy.eval()


def export_bmz(model: Any, path: str | os.PathLike[str], *, name: str | None = None,
               description: str | None = None, authors: Any = None, license: str = "MIT",
               cite: Any = None, sample: Any = None, axes: str | None = None,
               mode: str = "auto", overwrite: bool = False) -> Path:
    """Write `model` as a bioimage.io package at `path` (see `SDAPModel.export_bmz`)."""
    from napari_sdap.api.bmz.describe import (
        authors_of,
        cites_of,
        description_of,
        license_of,
        name_of,
    )

    require_bioimageio()
    path = Path(path)
    if why := long_name(path, "package"):  # (first: stat raises on such a name)
        raise OutputError(why)
    _check_not_input(path, model, sample)
    _check_target(path, overwrite)
    check_exportable(model)
    mode = model.resolve_mode(mode)
    if sample is None:
        raise InputError("give sample= (an image like the training images: array or path) for "
                         "the package's test tensors and cover; a model does not keep its "
                         "training images")
    description = description_of(description)  # (spaces alone: the default text)
    who, refs = authors_of(authors), cites_of(cite)
    name, license = name_of(name), license_of(license)
    ex = Exported(model, mode)
    try:  # the temporary is made first: a read-only folder fails before any work
        with atomic_write(path, suffix=".partial.zip", replace=overwrite) as tmp:
            _build(model, ex, sample, axes, tmp, name=name, description=description,
                   authors=who, license=license, cite=refs)
    except FileExistsError as err:  # written there by another export while this one ran
        raise OutputError(f"{path} already exists: it was written while this package was made "
                          f"(another export or process) and is kept; choose another name or "
                          f"pass overwrite=True (CLI: --overwrite)") from err
    except OSError as err:
        if isinstance(err, OutputError):
            raise
        raise OutputError(f"cannot write in {path.parent} ({err.strerror or err}); choose a "
                          f"writable folder with free space") from err
    return path


def _build(model: Any, ex: Exported, sample: Any, axes: str | None, target: Path, *,
           name: str | None, description: str | None, authors: list[dict[str, str]],
           license: str, cite: list[dict[str, str]]) -> None:
    """Compute every file of the package in a temporary folder and zip them into `target`."""
    from napari_sdap.api.bmz.describe import model_description
    from napari_sdap.api.bmz.readme import readme_text

    mode = ex.mode
    x, y = test_tensors(model, sample, axes, ex)
    name = name or f"napari-sdap denoiser ({mode})"
    description = description or ("Self-supervised denoiser (SDAP blind-spot network"
                                  + (", distilled student" if mode == "student" else "")
                                  + ") trained with napari-sdap on noisy images alone")
    with tempfile.TemporaryDirectory(prefix="sdap-bmz-") as tmp:
        folder = Path(tmp)
        files = {"input": folder / "test_input.npy", "output": folder / "test_output.npy",
                 "cover": folder / "cover.png", "readme": folder / "README.md",
                 "architecture": folder / ARCHITECTURE_FILE, "model": folder / MODEL_FILE,
                 "config": folder / CONFIG_FILE}
        with _writing_in(folder):  # (a full temporary disk: named, not "unexpected")
            np.save(files["input"], x)
            np.save(files["output"], y)
            write_cover(x, y, files["cover"])
            shutil.copyfile(Path(__file__).with_name("architecture.py"), files["architecture"])
            files["torchscript"], files["state_dict"] = write_weights(ex.module, folder)
            checks = {"torchscript": float(np.abs(_run(torch.jit.load(str(files["torchscript"])), x)
                                                  - y).max()),
                      "pytorch_state_dict": float(np.abs(_run(_state_dict_copy(
                          ex.kwargs, ex.module, files["architecture"]), x) - y).max())}
            saved = _with_mode(model, mode)
            saved.save(files["model"])
            config = saved.config.model_dump(mode="json")
            files["config"].write_text(json.dumps(config, indent=2, sort_keys=True))
            versions = {**model.record.versions, **_versions()}
            readme = readme_text(ex, name, checks, versions)  # a file name in the record whose
            # bytes are not UTF-8 (`caf\xe9.tif`, a model trained before that was escaped) as `\xe9`
            files["readme"].write_text(printable(readme))
        descr = model_description(
            ex, files, name=name, description=description, authors=authors, license=license,
            cite=cite, napari_sdap_config={"version": versions["napari_sdap"], "mode": mode,
                                           "model_file": MODEL_FILE, "config": config})
        _write_package(descr, target)


_ROOM = 64 << 20
"""Free bytes under which a failed write in the temporary folder is put down to its disk."""


@contextmanager
def _writing_in(folder: Path) -> Iterator[None]:
    """Name the temporary folder where a write in it failed for lack of room: torch reported a
    full disk as "RuntimeError: [enforce fail at inline_container.cc] unexpected pos", an
    "unexpected error" (a cluster's small /tmp, while the output folder had room)."""
    try:
        yield
    except (OSError, RuntimeError, OutputError) as err:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            raise err from None
        full = isinstance(err, OSError) and err.errno == errno.ENOSPC
        if not full and free >= _ROOM:
            raise
        raise OutputError(f"the package's files could not be written in the temporary folder "
                          f"{folder.parent} ({free // 1024:,} KiB free there): free space there, "
                          f"or set TMPDIR to a folder with room (a few times the model's size), "
                          f"then export again") from err


def _versions() -> dict[str, str]:
    from napari_sdap import __version__

    return {"napari_sdap": __version__, "torch": torch.__version__}


def _with_mode(model: Any, mode: str) -> Any:
    """A copy of `model` whose configured inference mode is the exported one, in one pass (the
    package runs no averaging over flips), so that the attached model file denoises like the
    package."""
    config = model.config.model_copy(deep=True)
    config.inference.mode = mode
    config.inference.flips = 1  # (a model set to flips=4 loaded back differed by 0.6 noise std)
    return type(model)(config, model.network, model.normalization, model.record,
                     model.noise_curve, model.student)


def _write_package(descr: Any, target: Path) -> None:
    """Validate `descr` and zip it, with every file it names, into `target`."""
    import warnings

    from bioimageio.spec import save_bioimageio_package
    from bioimageio.spec.model.v0_5 import ModelDescr

    if not isinstance(descr, ModelDescr):
        raise InputError(f"the package description is invalid: {descr}")
    try:
        with warnings.catch_warnings():  # re-reading the local file entries warns needlessly
            warnings.filterwarnings("ignore", message="Found mapping with 'source'")
            save_bioimageio_package(descr, output_path=target)
    except OSError as err:
        raise OutputError(f"cannot write the package in {target.parent} ({err.strerror or err})"
                          f"; free some space or choose another folder") from err  # (`target`:
        # the hidden temporary `.<name>.<random>.partial.zip`, no name of the user's)
