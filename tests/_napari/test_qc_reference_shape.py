"""The Quality control panel refuses a reference layer of other dimensions than the input in
its own words (an RGB reference of a grey input was told to 'give one letter per dimension', a
field the panel does not have)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap._napari.qc_widget import QCWidget


@pytest.mark.parametrize("reference", [
    lambda img: np.stack([img] * 3, axis=-1).clip(0, 255).astype(np.uint8),  # RGB
    lambda img: np.stack([img, img]),
])
def test_a_reference_of_another_shape_is_refused_before_the_check(make_napari_viewer, qtbot,
                                                                 small_image, errors,
                                                                 reference):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    viewer.add_image(small_image * 0.5, name="cells [SDAP]")
    viewer.add_image(reference(small_image * 100), name="clean")
    panel = QCWidget(viewer)
    qtbot.addWidget(panel)
    panel.use_model.setChecked(False)
    panel.noisy.setCurrentText("cells")
    panel.denoised.setCurrentText("cells [SDAP]")
    panel.reference.setCurrentText("clean")
    panel.check()
    assert panel.worker is None  # refused before any work
    text = panel.status.text()
    assert text.startswith("the reference layer 'clean' has shape"), text
    assert "(none)" in text and "letter" not in text
    assert errors()[-1] == text


@pytest.mark.parametrize("which", ["cells", "cells [SDAP]"])
def test_the_input_or_the_result_is_no_reference(make_napari_viewer, qtbot, small_image,
                                                 errors, which):
    """Regression: either could be picked as the clean reference; the check then gave a PSNR
    of the result against the input (17 dB, "no warnings") or of the result against itself."""
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    viewer.add_image(small_image * 0.5, name="cells [SDAP]")
    panel = QCWidget(viewer)
    qtbot.addWidget(panel)
    panel.use_model.setChecked(False)
    panel.noisy.setCurrentText("cells")
    panel.denoised.setCurrentText("cells [SDAP]")
    panel.reference.setCurrentText(which)
    panel.check()
    assert panel.worker is None
    text = panel.status.text()
    assert text.startswith("the reference is the") and f"{which!r} itself" in text, text
    assert errors()[-1] == text
