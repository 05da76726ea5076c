"""`napari-sdap export MODEL OUT.zip`: share a model as a bioimage.io package."""

from __future__ import annotations

import argparse
import shlex
from contextlib import ExitStack
from pathlib import Path

from napari_sdap.cli import arg_types
from napari_sdap.cli.report import Reporter

__all__ = ["add_export_parser", "run_export"]


def add_export_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `export` command on the subparsers `sub`."""
    e = sub.add_parser(
        "export", help="write a model as a bioimage.io package (Fiji/deepImageJ, ilastik, ...)",
        description="Write a trained model as a BioImage Model Zoo (bioimage.io) package that "
                    "runs without napari-sdap. Needs: pip install 'napari-sdap[bmz]'.")
    e.add_argument("model", metavar="MODEL", type=arg_types.file_path,
                   help="trained model file (.safetensors)")
    e.add_argument("output", metavar="OUT.zip", type=arg_types.file_path, help="package to write")
    e.add_argument("--sample", required=True, metavar="IMAGE", type=arg_types.file_path,
                   help="an image like the training images (.tif, .zarr, .npy, ...): a crop of "
                        "it becomes the package's test tensors and cover")
    e.add_argument("--axes", type=arg_types.axes,
                   help="axes of the sample, e.g. YX, ZYX, CYX (default: from the file)")
    e.add_argument("--series", type=arg_types.whole(0, 1_000_000), metavar="N",
                   help="image series N of a sample file holding several (multi-image "
                        "OME-TIFF, bioformats2raw OME-Zarr)")
    e.add_argument("--mode", default="auto",
                   **arg_types.choice("auto", "student", "sdap", "sdap_e", "bsn"),
                   help="inference mode to export (auto: as napari-sdap denoise would use)")
    e.add_argument("--name", help="model name shown on bioimage.io")
    e.add_argument("--description", help="one or two sentences on what the model is for")
    e.add_argument("--author", action="append", metavar="NAME",
                   help="author name (repeat for several)")
    e.add_argument("--license", default="MIT", help="SPDX license id (default MIT)")
    e.add_argument("--cite", nargs=2, action="append", metavar=("TEXT", "DOI_OR_URL"),
                   help="a reference to cite besides the SDAP paper (repeat for several)")
    e.add_argument("--overwrite", action="store_true", help="replace an existing package")
    e.add_argument("--quiet", "-q", action="store_true", help="only errors and the summary")
    e.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")


def _cite(pairs: list[list[str]] | None) -> list[dict[str, str]] | None:
    if not pairs:
        return None
    return [{"text": text, ("url" if "://" in ref else "doi"): ref} for text, ref in pairs]


def run_export(args: argparse.Namespace, rep: Reporter) -> int:
    """Load the model, export it, and say where the package is."""
    from napari_sdap.api import load_model

    model = load_model(Path(args.model))
    with ExitStack() as stack:
        sample, axes = args.sample, args.axes
        if args.series is not None:  # the file's series N, read lazily (a crop is taken)
            from napari_sdap.api.inputs import open_image

            src = stack.enter_context(open_image(args.sample, args.axes, series=args.series))
            sample, axes = src.array, src.axes
        path = model.export_bmz(args.output, name=args.name, description=args.description,
                                authors=args.author, license=args.license,
                                cite=_cite(args.cite), sample=sample, axes=axes,
                                mode=args.mode, overwrite=args.overwrite)
    rep.summary(f"wrote {path} (bioimage.io model, mode {model.resolve_mode(args.mode)}); "
                f"check it with: bioimageio test {shlex.quote(str(path))}")
    return 0
