"""Typed errors of napari-sdap.

Every message names the offending value, the rule it broke and what to do about it, so that
napari can show it as a notification and the CLI can print it on one line.
"""

from __future__ import annotations

__all__ = [
    "AxesError",
    "ConfigError",
    "DeviceError",
    "DiskFullError",
    "InputError",
    "ModelFileError",
    "OutputError",
    "SdapError",
    "StoppedError",
]


class SdapError(Exception):
    """Base class of every error napari-sdap raises on purpose."""


class InputError(SdapError, ValueError):
    """The image given to train or denoise cannot be used as it is."""


class AxesError(InputError):
    """The axes string does not describe the array (wrong length, unknown or repeated letters)."""


class ConfigError(SdapError, ValueError):
    """A setting is out of range or inconsistent with another setting."""


class ModelFileError(SdapError, ValueError):
    """A model file is missing, truncated, tampered with, or of an unsupported format version."""


class DeviceError(SdapError, RuntimeError):
    """The requested compute device does not exist or cannot be used."""


class OutputError(SdapError, OSError):
    """An output cannot be written (exists, read-only folder, disk full, same path as the input)."""


class DiskFullError(OutputError):
    """An output could not be written because its disk is full (a batch stops there: every later
    file would spend its whole computation, then fail the same way)."""


class StoppedError(SdapError):
    """A run was stopped by the user before it finished; nothing complete-looking was left."""
