"""Scripted napari session: train SDAP on a noisy stack and look at the result next to the input.

Run it with a window::

    python examples/napari_script.py

or headless (no window; for servers, CI and notebooks without a display), saving a screenshot::

    python examples/napari_script.py --headless --screenshot sdap.png
    NAPARI_SDAP_HEADLESS=1 python examples/napari_script.py

Pass ``--image file.tif`` to use your own data instead of the generated sample (axes are read
from the file; ``--axes ZYX`` overrides them, ``--series N`` picks an image series of a file
holding several). The same model then sits in the plugin's Denoise
widget, ready for more layers.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

log = logging.getLogger("napari_sdap.example")

WORKERS: list[Any] = []
"""Training workers started with a window (a reference keeps each alive until it ends)."""


def load_data(path: str | None, axes: str | None, planes: int, size: int,
              series: int | None = None) -> tuple[Any, str, dict[str, Any]]:
    """(array, axes, layer keywords): your image (read lazily by napari-sdap, axes from the file
    unless given) or the generated correlated-noise stack."""
    if path is None:
        from napari_sdap._napari.sample_data import correlated_stack, make_stack

        _, meta, _ = correlated_stack()[0]  # name, scale, units of the sample
        return make_stack(planes, size)[1], "ZYX", meta
    from napari_sdap.api.inputs import open_image

    source = open_image(path, axes, series=series)  # an SdapError names a missing file,
    # unclear axes or a file of several image series (choose one with --series N)
    spatial = [a for a in source.axes if a != "C" or not source.axes.endswith("YXC")]
    meta = {"name": os.path.basename(path), "rgb": source.axes.endswith("YXC"),
            "scale": [source.scale.get(a, 1.0) for a in spatial]}
    return source.array, source.axes, meta


def train_worker(data: Any, axes: str, args: argparse.Namespace) -> Any:
    """Training as a generator of progress records, its return value the model."""
    import napari_sdap

    model = None
    for rec in napari_sdap.iter_train(data, axes, preset=args.preset, steps=args.steps,
                                      device=args.device):
        model = rec.model
        yield rec
    return model


def show_result(viewer: Any, source: Any, data: Any, axes: str, model: Any,
                args: argparse.Namespace) -> None:
    """Denoise `data` with `model`, add the result next to `source`, hand the model to the
    plugin's Denoise widget (e.g. to denoise more layers by hand)."""
    from napari_sdap._napari.session import session_for
    from napari_sdap._napari.wording import noise_text

    log.info(noise_text(model.record.noise)[0])
    result = model.denoise(data, axes, device=args.device)
    viewer.add_image(result, name=f"{source.name} [SDAP]", scale=source.scale,
                     translate=source.translate, units=source.units, rgb=source.rgb,
                     axis_labels=source.axis_labels, contrast_limits=source.contrast_limits,
                     metadata={"sdap": {"config": model.config.model_dump(mode="json"),
                                        "steps": model.record.steps}})
    viewer.canvas.grid.enabled = True
    viewer.reset_view()
    session_for(viewer).set_model(model, "examples/napari_script.py", saved=False)
    if args.screenshot:
        viewer.screenshot(args.screenshot, canvas_only=True)
        log.info("screenshot saved to %s", args.screenshot)


def _log(rec: Any) -> None:
    if rec.step % 50 == 0 or rec.step == rec.steps:
        log.info("step %d/%d  loss %.4f", rec.step, rec.steps, rec.loss)


def main(argv: list[str] | None = None) -> Any:
    """Build the session; returns the viewer (headless: already closed unless `keep_open`).

    With a window, training runs in a worker thread, so the viewer stays responsive; the result
    appears when it ends. A missing file or unclear axes end with a message, not a traceback.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true",
                        default=os.environ.get("NAPARI_SDAP_HEADLESS", "") not in ("", "0"))
    parser.add_argument("--image", help="an image file to denoise (default: generated sample)")
    parser.add_argument("--axes", default=None,
                        help="axes of --image, e.g. ZYX or TYX (default: from the file)")
    parser.add_argument("--series", type=int, default=None,
                        help="image series N of an --image file holding several")
    parser.add_argument("--planes", type=int, default=8, help="planes of the generated stack")
    parser.add_argument("--size", type=int, default=128, help="edge of the generated stack")
    parser.add_argument("--preset", default="tiny", help="tiny, fast or paper")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--screenshot", help="save a PNG of the canvas here")
    parser.add_argument("--keep-open", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-block", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from napari_sdap.errors import SdapError

    try:
        data, axes, meta = load_data(args.image, args.axes, args.planes, args.size, args.series)
    except SdapError as err:
        parser.exit(2, f"error: {err}\n")

    import napari


    viewer = napari.Viewer(show=not args.headless, title="napari-sdap example")
    source = viewer.add_image(data, **meta)
    if args.headless:
        try:
            run = train_worker(data, axes, args)
            while True:
                _log(next(run))
        except StopIteration as end:
            show_result(viewer, source, data, axes, end.value, args)
        except SdapError as err:
            viewer.close()
            parser.exit(2, f"error: {err}\n")
        if not args.keep_open:
            viewer.close()
        return viewer

    from napari.qt.threading import create_worker

    worker = create_worker(train_worker, data, axes, args)
    worker.yielded.connect(_log)
    worker.returned.connect(lambda model: show_result(viewer, source, data, axes, model, args))
    worker.errored.connect(lambda err: log.error("training failed: %s", err))
    worker.returned.connect(
        lambda _: viewer.window.add_plugin_dock_widget("napari-sdap", "Denoise"))
    viewer.status = "training SDAP in the background..."
    worker.start()
    WORKERS.append(worker)  # keeps it alive; callers may wait on it
    if not args.no_block:
        napari.run()
    return viewer


if __name__ == "__main__":
    main(sys.argv[1:])
