"""Scripted napari session: train SDAP on a noisy stack and look at the result next to the input.

Run it with a window::

    python examples/napari_script.py

or headless (no window; for servers, CI and notebooks without a display), saving a screenshot::

    python examples/napari_script.py --headless --screenshot sdap.png
    NAPARI_SDAP_HEADLESS=1 python examples/napari_script.py

Pass ``--image file.tif --axes ZYX`` to use your own data (read with tifffile) instead of the
generated sample. The same model then sits in the plugin's Denoise widget, ready for more layers.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

log = logging.getLogger("napari_sdap.example")


def load_data(path: str | None, planes: int, size: int) -> tuple[Any, dict[str, Any]]:
    """Your image (lazily, via tifffile's zarr view) or the generated correlated-noise stack."""
    if path is None:
        from napari_sdap._napari.sample_data import correlated_stack, make_stack

        _, meta, _ = correlated_stack()[0]  # name, scale, units of the sample
        return make_stack(planes, size)[1], meta
    import tifffile
    import zarr

    store = tifffile.imread(path, aszarr=True)
    return zarr.open(store, mode="r"), {"name": os.path.basename(path)}


def main(argv: list[str] | None = None) -> Any:
    """Build the session; returns the viewer (headless: already closed unless `keep_open`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true",
                        default=os.environ.get("NAPARI_SDAP_HEADLESS", "") not in ("", "0"))
    parser.add_argument("--image", help="a TIFF file to denoise (default: generated sample)")
    parser.add_argument("--axes", default=None, help="axes of --image, e.g. ZYX or TYX")
    parser.add_argument("--planes", type=int, default=8, help="planes of the generated stack")
    parser.add_argument("--size", type=int, default=128, help="edge of the generated stack")
    parser.add_argument("--preset", default="tiny", help="tiny, fast or paper")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--screenshot", help="save a PNG of the canvas here")
    parser.add_argument("--keep-open", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    import napari

    import napari_sdap
    from napari_sdap.api import describe_noise

    data, meta = load_data(args.image, args.planes, args.size)
    axes = args.axes or ("ZYX" if args.image is None else None)
    viewer = napari.Viewer(show=not args.headless, title="napari-sdap example")
    source = viewer.add_image(data, **meta)

    model = None
    for rec in napari_sdap.iter_train(data, axes, preset=args.preset, steps=args.steps,
                                      device=args.device):
        model = rec.model
        if rec.step % 50 == 0 or rec.step == rec.steps:
            log.info("step %d/%d  loss %.4f", rec.step, rec.steps, rec.loss)
    assert model is not None
    log.info(describe_noise(model.record.noise))

    result = model.denoise(data, axes, device=args.device)
    viewer.add_image(result, name=f"{source.name} [SDAP]", scale=source.scale,
                     translate=source.translate, units=source.units,
                     axis_labels=source.axis_labels, contrast_limits=source.contrast_limits,
                     metadata={"sdap": {"config": model.config.model_dump(mode="json"),
                                        "steps": model.record.steps}})
    viewer.canvas.grid.enabled = True
    viewer.reset_view()

    # hand the model to the plugin's Denoise widget, e.g. to denoise more layers by hand
    from napari_sdap._napari.session import session_for

    session_for(viewer).set_model(model, "examples/napari_script.py")
    if not args.headless:
        viewer.window.add_plugin_dock_widget("napari-sdap", "Denoise")

    if args.screenshot:
        viewer.screenshot(args.screenshot, canvas_only=True)
        log.info("screenshot saved to %s", args.screenshot)
    if args.headless:
        if not args.keep_open:
            viewer.close()
        return viewer
    napari.run()
    return viewer


if __name__ == "__main__":
    main(sys.argv[1:])
