"""Training options given to `denoise --model` (which trains nothing): they were dropped
without a word, so `--dims 3`, `--stride 3` or `--steps 5000` next to `--model` looked taken."""

from __future__ import annotations

import argparse

from napari_sdap.cli.train import train_settings

__all__ = ["unused_training_options"]

_FLAGS = {"student": "--no-student", "student_check": "--check-student/--no-check-student",
          "whiten": "--no-whiten"}
"""Settings whose option is not named after them."""


def unused_training_options(args: argparse.Namespace) -> list[str]:
    """The training options of `args` (a `denoise` command) that differ from their defaults,
    named as on the command line; `--axes` and `--series`, which denoising uses, are left out."""
    from napari_sdap.cli.parser import build_parser

    plain = build_parser().parse_args(["denoise", "x", "--train", "-o", "y"])
    given, base = train_settings(args), train_settings(plain)
    names = [_FLAGS.get(k, "--" + k.replace("_", "-")) for k, v in given.items()
             if k not in ("axes", "series") and v != base.get(k, getattr(plain, k, None))]
    if getattr(args, "train_max_files", None) != plain.train_max_files:
        names.append("--train-max-files")
    return names
