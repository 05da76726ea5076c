"""A device given as something other than a text (an int, as torch takes for `cuda:N`, bytes, a
tuple): `model.denoise(image, device=1)` raised a raw AttributeError ('int' object has no
attribute 'strip') and `device=0`, `[]` or `{}` ran silently on 'auto'; `train(...,
device=b'cpu')` a raw TypeError from `re`. Each is a `DeviceError` naming the value and the
texts allowed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_sdap.errors import DeviceError
from napari_sdap.model.device import resolve_device


@pytest.mark.parametrize("device", [0, 1, True, 1.5, (1,), [], {}, b"cpu", np.int64(0)])
def test_resolve_device_refuses_values_that_are_not_text(device):
    with pytest.raises(DeviceError, match=r"device must be a text.*got .*e\.g\. device='cuda:0'"):
        resolve_device(device)


@pytest.mark.parametrize("device", [None, "", "auto", "CPU", " cpu ", torch.device("cpu")])
def test_resolve_device_still_takes_texts_none_and_torch_devices(device):
    assert resolve_device(device).type in ("cpu", "cuda", "mps")


def test_denoise_with_a_device_number_is_a_device_error():
    from napari_sdap.api import train

    image = np.random.default_rng(0).normal(100, 10, (32, 32)).astype(np.float32)
    model = train(image, preset="tiny", steps=1, device="cpu", student=False)
    with pytest.raises(DeviceError, match="got 1, a int"):
        model.denoise(image, device=1)
