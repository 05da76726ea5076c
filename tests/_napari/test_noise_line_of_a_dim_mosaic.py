"""The Train panel's noise line for a 128 x 128 mosaic of dim tiles whose 0 fill took the
flattest quarter of its blocks: it said 'not measurable on so small an image'."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.wording import noise_text
from napari_sdap.axes import plane_view
from napari_sdap.training.noise import estimate_noise


def test_noise_line_names_the_fill():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:128]
    clean = 10 + 60 * np.exp(-((yy - 30) ** 2 + (xx - 30) ** 2) / 900.0)
    img = np.clip(rng.poisson(clean), 2, 255).astype(np.uint8)  # (dim tiles, 2 counts up)
    img[:64, 64:] = 0
    text, details = noise_text(estimate_noise([(img, plane_view(img.shape, None))]))
    assert "so small an image" not in text and "one value" in text and "fill" in text, text
    assert "white noise assumed" in text and "too small" not in details, details
