"""Panel errors point napari users at the panels and fields, not the Python API or the command
line that the shared messages name (`_napari.panel_hints`)."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import denoiser

from napari_sdap._napari.panel_hints import for_panels, in_panel_words
from napari_sdap.errors import InputError

_API = ("napari_sdap.train", "napari-sdap", "--", "axes='", "=True", "dims=", "z_step=",
        "model=", "mode=")


@pytest.mark.parametrize("message,says", [
    ("rescale it to the training data's scale, or train a model on this image "
     "(napari_sdap.train, or napari-sdap denoise --train)", "on this image in the Train panel"),
    ("give the axes: axes='ZYX' (--axes ZYX)", "type ZYX in the axes field"),
    ("this model is untrained (no normalisation yet); train it first with "
     "napari_sdap.train(image, model=model)", "train it first in the Train panel"),
    ("say so (command line: --axes ZYX or TYX; Python: axes='ZYX'), or",
     "(type ZYX or TYX in the axes field)"),
    ("/a/img.tif is a TIFF image, not a model file; give the model (.safetensors) with "
     "--model / load_model, and images as inputs", "with Load model, and images as layers"),
    ("output /a/o.tif is a folder; overwrite (CLI: --overwrite) replaces only a TIFF file",
     "replacing (Save as) overwrites only a TIFF file"),
    ("a distilled student (training distils one for white noise; student=True forces it); "
     "use mode 'sdap_e'", "'distil a fast student' in the Train panel forces it"),
    ("along Z, but the image (ZYX, shape (3, 8, 8)) has 3; use dims=2, a smaller z_context, or "
     "z_step=1 to use the neighbouring planes anyway",
     "has 3; choose 'each plane on its own (2-D)' or fewer planes each side under Advanced"),
    ("has none (it has T); give axes with Z, or use dims=2 (each plane on its own)",
     "type axes with Z in the axes field, or choose 'each plane on its own (2-D)' under"),
    ("has 3; use dims=2, or a smaller z_context, or a smaller z_step",
     "has 3; choose 'each plane on its own (2-D)' or fewer planes each side under Advanced"),
    ("training further on it would wreck the network; rescale it to the training data's "
     "scale, or train a new model on it (without model=)",
     "or train a new model on it (Train, not Continue)"),
    ("the model given (model=) is 3-D and its dims apply (dims= does not change them): train "
     "a new 2-D model on so thin a stack (dims=2 without model=)",
     "the model is 3-D and keeps its planes when it trains further: train a new 2-D model on "
     "so thin a stack (Train, not Continue, with 'each plane on its own (2-D)')"),
    ("image plane 1x64 is smaller than the 8x8 minimum of mode 'sdap_e'; pad or enlarge the "
     "image or mode='bsn' (needs 4)", "enlarge the image or the mode bsn (needs 4)"),
])
def test_api_hints_are_said_for_the_panels(message, says):
    said = for_panels(message)
    assert says in said and not any(k in said for k in _API), said
    err = in_panel_words(InputError(message))
    assert str(err) == said and isinstance(err, InputError)
    assert for_panels("no hint here") == "no hint here"


def test_the_denoise_panel_points_at_the_train_panel(make_napari_viewer, small_image,
                                                     trained_model, wait_idle, errors):
    viewer = make_napari_viewer()
    viewer.add_image((small_image * 50).astype(np.int16), name="other scale")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    msg = denoise.status.text()
    assert "another scale" in msg and "train a model on this image in the Train panel" in msg
    assert "--train" not in msg and "napari_sdap.train" not in msg
    assert errors() == [msg]  # the notification says it so too


def test_a_workers_error_leaves_it_said_for_the_panels():
    from napari_sdap._napari.workers import reported

    @reported("training")
    def steps():
        yield 1
        raise InputError("give the axes: axes='CYX' (--axes CYX)")

    with pytest.raises(InputError, match=r"^type CYX in the axes field$"):
        list(steps())
