"""napari-sdap: self-supervised denoising with SDAP blind-spot networks.

Train on your own noisy images and denoise them, from Python, the command line or napari::

    import napari_sdap
    model = napari_sdap.train(noisy)          # no clean image needed
    clean = model.denoise(noisy)
    model.save("my_model.safetensors")

`import napari_sdap` is light: torch is imported on first use of the API below.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("napari-sdap")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

_LAZY = {
    "SDAPModel": "napari_sdap.api",
    "TrainProgress": "napari_sdap.api",
    "create_model": "napari_sdap.api",
    "iter_train": "napari_sdap.api",
    "load_model": "napari_sdap.api",
    "quality_report": "napari_sdap.api",
    "train": "napari_sdap.api",
    "SDAPConfig": "napari_sdap.config",
    "config_from_preset": "napari_sdap.presets",
    "PRESETS": "napari_sdap.presets",
    "open_image": "napari_sdap.io.readers",
}
_ERRORS = ("AxesError", "ConfigError", "DeviceError", "InputError", "ModelFileError",
           "OutputError", "SdapError", "StoppedError")

__all__ = ["__version__", *_LAZY, *_ERRORS]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    elif name in _ERRORS:
        value = getattr(import_module("napari_sdap.errors"), name)
    else:
        raise AttributeError(f"module 'napari_sdap' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
