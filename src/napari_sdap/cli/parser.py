"""Command-line arguments of `napari-sdap` (train, denoise, info, export)."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from napari_sdap.cli import arg_types as arg
from napari_sdap.presets import PRESETS, describe_presets

__all__ = ["build_parser"]

_EPILOG = """\
examples:
  napari-sdap train raw/*.tif --model cells.safetensors --axes ZYX
  napari-sdap denoise raw/ --model cells.safetensors --output denoised/
  napari-sdap denoise raw/ --train --output denoised/          # train on the inputs, then denoise
  napari-sdap denoise raw/ --model m.safetensors --output out/ --workers 2
  napari-sdap info cells.safetensors
  napari-sdap export cells.safetensors cells.zip --sample raw/cell1.tif  # bioimage.io

Re-running the same denoise command resumes: finished outputs are skipped (see
DIR/sdap_run.json). Exit codes: 0 all done, 1 some files failed, 2 bad arguments or settings,
130 stopped (Ctrl-C or SIGTERM).
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (`error: ...; see napari-sdap train --help`), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {' '.join(message.split())}; see {self.prog} --help\n")

    def parse_args(self, args: Any = None, namespace: Any = None) -> argparse.Namespace:
        """Arguments left over are refused by the command's own parser (they were refused in
        the top one's name, `see napari-sdap --help`), with what to do where they are inputs
        typed between the options (`denoise a.tif --model m b.tif`)."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            command = self._command(getattr(parsed, "command", None))
            why = f"unrecognized arguments: {' '.join(extra)}"
            if command is not self and any(a.dest == "inputs" for a in command._actions) \
                    and not any(e.startswith("-") for e in extra):
                why += " (the INPUT files go together, before or after the options)"
            command.error(why)
        return parsed

    def _command(self, name: str | None) -> argparse.ArgumentParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                return action.choices[name]
        return self


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", type=arg.path,
                   help="image files (.tif, .ome.tif, .zarr, .ome.zarr, .npy, .png, .jpg), "
                        "folders or globs")
    p.add_argument("--axes", type=arg.axes,
                   help="axes of every input, e.g. YX, ZYX, TCZYX (default: from the file "
                        "metadata)")
    p.add_argument("--series", type=arg.whole(0, 1_000_000), metavar="N",
                   help="image series N of inputs holding several (multi-image OME-TIFF, "
                        "bioformats2raw OME-Zarr); such files are refused without it")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--threads", metavar="N",
                   type=arg.whole(1, 4 * arg.cores(),
                                    f" (4 x the {arg.cores()} CPU cores of this machine)"),
                   help="CPU threads for torch (per worker with --workers; default: all cores, "
                        "shared out between local workers). Results are bit-identical between "
                        "runs with the same --threads")
    p.add_argument("--quiet", "-q", action="store_true", help="only errors and the summary")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")


def _training(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training")
    g.add_argument("--preset", default="auto", **arg.choice("auto", *PRESETS),
                   help="network size: " + describe_presets())
    g.add_argument("--steps", type=arg.config("training", "steps"),
                   help="training steps (default: the preset's)")
    g.add_argument("--seed", type=arg.config(None, "seed"), default=0,
                   help="random seed (default 0)")
    g.add_argument("--stride", default="auto", type=arg.stride,
                   help="RSG stride 1..8, or auto (measured from the noise correlation)")
    g.add_argument("--patch-size", type=arg.config("training", "patch_size"),
                   help="training patch edge in pixels")
    g.add_argument("--batch-size", type=arg.config("training", "batch_size"),
                   help="patches per step")
    g.add_argument("--width", type=arg.config("network", "width"),
                   help="network width C (overrides the preset)")
    g.add_argument("--blocks", type=arg.config("network", "blocks"),
                   help="residual blocks M (overrides the preset)")
    g.add_argument("--time-budget", type=arg.seconds, metavar="SECONDS",
                   help="wall seconds for the whole training: both stages fit their steps to "
                        "it (--steps is then an upper bound)")
    g.add_argument("--no-student", action="store_true",
                   help="skip the distillation of the small non-blind student after training "
                        "(the blind-spot network alone denoises)")
    g.add_argument("--check-student", action=argparse.BooleanOptionalAction, default=None,
                   help="compare the student with the blind-spot network on pixels held out "
                        "of its training; one found worse trains a second round and is dropped "
                        "if still worse (default: on; with --no-check-student the estimate is "
                        "only recorded)")
    g.add_argument("--target-blur", type=arg.target_blur, metavar="auto|SIGMA",
                   help="Gaussian blur (px) of the teacher's result the student learns, for "
                        "images with a few photons per pixel: auto chooses 0.5-1.2 where an "
                        "estimate from the noisy data says it lowers the error, else none; "
                        "default 0 (none)")
    g.add_argument("--precision", **arg.choice("auto", "float32", "bfloat16"),
                   help="arithmetic of the training steps: auto (default) is bfloat16 where the "
                        "CPU or GPU computes it natively (AVX512-BF16, AMX, CUDA), float32 "
                        "elsewhere; float32 gives the same model on every machine type")
    g.add_argument("--loss", **arg.choice("l1", "l2"),
                   help="loss of the blind-spot training: l1 (the paper's) predicts each "
                        "pixel's median, l2 its mean. Default: l2 for photon noise (skewed) "
                        "correlated between neighbours on a dark background clipped at 0 (5 %% "
                        "of the pixels or more), as in 8-bit low-light wide-field frames; else "
                        "l1 (docs/cli.md says what each gained and lost)")
    g.add_argument("--frames", action="store_true",
                   help="the planes (along T, else Z) or the single-plane inputs of one shape "
                        "are repeated frames of one unchanging view: the noise behind the "
                        "output blur of correlated noise is read from their differences "
                        "(wide-field microscopy: about +1 dB); frames that differ (motion, "
                        "bleaching) blur too much")
    g.add_argument("--no-whiten", action="store_true",
                   help="noise correlated along one axis only (a point scanner's fast axis) "
                        "gets a pixel-shuffle stride like any correlated noise, instead of "
                        "being whitened along that axis for a full-resolution model")
    g.add_argument("--noise-std", type=arg.amount, metavar="STD",
                   help="the noise's standard deviation in the image's units, when known (a "
                        "camera's read noise, with --noise-gain): the detail restore and "
                        "output blur use it instead of reading the noise from the data, which "
                        "takes texture for noise; default: read from the data")
    g.add_argument("--noise-gain", type=arg.amount, metavar="GAIN",
                   help="with --noise-std: the noise variance grows by GAIN per unit of "
                        "intensity above --noise-offset (Poisson noise: the camera's gain in "
                        "image units per photoelectron)")
    g.add_argument("--noise-offset", type=arg.level, metavar="LEVEL",
                   help="with --noise-gain: the intensity of no signal (camera offset)")
    g.add_argument("--channel-mode", **arg.choice("auto", "joint", "independent"),
                   help="channels denoised together (RGB) or independently (fluorescence)")
    g.add_argument("--dims", default="2", **arg.choice("2", "3", "auto"),
                   help="2: every plane on its own; 3: each plane with its neighbouring planes "
                        "along --along (z-stacks, time-lapses); auto: 3 for stacks of 8+ "
                        "planes whose neighbouring planes share their signal")
    g.add_argument("--along", default="Z", **arg.choice("Z", "T"),
                   help="the third axis of --dims 3: Z (z-stacks) or T (time-lapses)")
    g.add_argument("--z-context", type=arg.config("network", "z_context"), metavar="N",
                   help="--dims 3: planes of context on each side (default 1)")
    g.add_argument("--z-step", type=arg.config("network", "z_step"), metavar="N",
                   help="--dims 3: read the context planes N apart (default: 1, or 2 where "
                        "the noise of neighbouring planes is correlated)")


def _distribution(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("scale-out (dask.distributed)")
    who = g.add_mutually_exclusive_group()
    who.add_argument("--scheduler", metavar="ADDRESS", type=arg.address,
                     help="address of a running dask scheduler, e.g. tcp://node1:8786")
    who.add_argument("--workers", metavar="N",
                     type=arg.whole(1, max(2, arg.cores()),
                                      f" (the {arg.cores()} CPU cores of this machine: local "
                                      f"workers are processes)"),
                     help="start a local cluster of N worker processes (one GPU each if present)")
    g.add_argument("--split-mpix", type=arg.mpix, default=64.0, metavar="MPIX",
                   help="with a cluster, split files above this many megapixels into plane "
                        "ranges denoised by different workers (default 64)")


def build_parser() -> argparse.ArgumentParser:
    """The `napari-sdap` argument parser."""
    from napari_sdap import __version__

    parser = _Parser(
        prog="napari-sdap", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Self-supervised denoising of microscopy images with SDAP blind-spot "
                    "networks: train on your own noisy images, denoise batches of files.",
        epilog=_EPILOG)
    parser.add_argument("--version", "-V", action="version", version=f"napari-sdap {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="train a model on noisy images (no clean images needed)",
                       description="Train an SDAP model on noisy images and save it.")
    _common(t)
    t.add_argument("--model", required=True, metavar="OUT", type=arg.file_path,
                   help="model file to write (.safetensors)")
    t.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    _training(t)

    d = sub.add_parser("denoise", help="denoise files, folders or globs into an output folder",
                       description="Denoise images into DIR/<name>_sdap.tif (or .ome.zarr). "
                                   "Re-running the same command resumes an interrupted batch.")
    _common(d)
    src = d.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="M", type=arg.file_path, help="trained model file")
    src.add_argument("--train", action="store_true",
                     help="train on the inputs first (model saved to DIR/sdap_model.safetensors)")
    d.add_argument("--output", "-o", required=True, metavar="DIR", type=arg.path,
                   help="output folder")
    d.add_argument("--format", default="tif", **arg.choice("tif", "zarr"),
                   help="output format: tif (ImageJ/OME TIFF) or zarr (OME-Zarr)")
    d.add_argument("--mode", default="auto",
                   **arg.choice("auto", "student", "sdap", "sdap_e", "bsn"),
                   help="inference mode (auto: the student when the model has one, else the "
                        "blind-spot mode it was trained for)")
    d.add_argument("--tile", type=arg.config("tiling", "tile"),
                   help="tile edge in pixels (default: automatic)")
    d.add_argument("--no-detail", action="store_true",
                   help="network output only: skip the detail restore, which gives back input "
                        "detail where the residual exceeds the noise measured at training, the "
                        "light blur a model trained for correlated noise chose, and the share of "
                        "blurred input a model trained for strong white noise chose")
    d.add_argument("--flips", type=arg.flips, default=1, metavar="N",
                   help="average the network over N = 2, 4 or 8 flips and quarter turns of each "
                        "image: a little less noise, N times the denoising time (default 1: "
                        "off)")
    d.add_argument("--compile", action="store_true",
                   help="CUDA only: run the network through torch.compile (about 1.7x faster "
                        "once compiled; compiling costs ~8 s per tile shape in every process, "
                        "so it pays off from a few hundred megapixels per process)")
    d.add_argument("--overwrite", action="store_true",
                   help="replace outputs that exist but are not finished results of this model")
    d.add_argument("--retrain", action="store_true",
                   help="with --train, when the inputs or training options changed since the "
                        "model in DIR was trained: train a new one, keeping the old model and "
                        "the outputs it made in DIR/sdap_previous/<sha>/")
    d.add_argument("--qc", action="store_true",
                   help="check every finished output: was only noise removed? Writes "
                        "<output>.qc.json and <output>.qc.png next to it (needs matplotlib: "
                        "the qc extra)")
    d.add_argument("--reference", metavar="FILE", type=arg.file_path,
                   help="with --qc, a clean image to compare with (PSNR, SSIM): one file for "
                        "every input, or a folder of files named like the inputs")
    d.add_argument("--train-max-files", type=arg.positive, default=16, metavar="N",
                   help="with --train, train on at most N inputs spread over the batch "
                        "(default 16)")
    _training(d)
    _distribution(d)

    i = sub.add_parser("info", help="show what a model file holds",
                       description="Show the settings, normalisation, training record, noise "
                                   "estimate, versions and SHA-256 of a model file.")
    i.add_argument("model", metavar="MODEL", type=arg.file_path, help="model file (.safetensors)")
    i.add_argument("--json", action="store_true", help="print everything as JSON")

    from napari_sdap.cli.export import add_export_parser

    add_export_parser(sub)
    return parser
