"""Generators run inside napari thread workers (no Qt here, so they are testable on their own).

Each yields small records the widgets turn into progress bars, loss curves and layer updates.
The widgets stop a run by setting the job's `stop` event: the generator then returns at its next
yield and closes the engine's generator *in this thread*, so the engine's cleanup (waiting for
tile writes, moving the network back to the CPU) is finished before the worker reports back.
(Quitting a napari worker instead would leave the generator suspended until garbage collection.)
All array work (training, the preview denoise, writing tiles) happens here, off the main thread.

A failure leaves each generator as a `WorkerError` or a typed SDAP error, never as a
`RuntimeError`: napari's workers (superqt) take a `RuntimeError` from the generator for "the worker
was deleted" and then emit neither `errored` nor `finished`, so the widget would wait forever
(CUDA and CPU out-of-memory errors are RuntimeErrors).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from napari_sdap._napari.panel_hints import for_panels, in_panel_words
from napari_sdap.errors import SdapError

log = logging.getLogger("napari_sdap")

__all__ = ["Notice", "Preview", "PreviewTarget", "TrainJob", "WorkerError",
           "close_on_abort", "denoise_steps", "train_steps"]


class WorkerError(SdapError):
    """A run failed in its worker thread; the message says what failed and what to try."""


def failure_message(err: BaseException, what: str) -> str:
    """What to tell the user about `err`, which ended `what` ("training", "denoising")."""
    if isinstance(err, SdapError):
        return f"{what} failed: {err}"
    text = (str(err).strip() or type(err).__name__).splitlines()[0]
    memory = isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError" or any(
        k in text.lower() for k in ("out of memory", "can't allocate memory", "not enough memory"))
    if memory:
        return (f"{what} ran out of memory ({text}); use a smaller preset, batch size, patch "
                f"size or tile, close other programs using the device, or choose another device")
    return f"{what} failed: {type(err).__name__}: {text}"


def reported(what: str) -> Callable[[Callable[..., Generator]], Callable[..., Generator]]:
    """Make a worker generator end every failure as an error napari reports (module docstring).

    Typed SDAP errors that are not RuntimeErrors go through unchanged; anything else (a
    RuntimeError, an out-of-memory error, a bug) becomes a `WorkerError` saying what failed.
    """

    def wrap(func: Callable[..., Generator]) -> Callable[..., Generator]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Generator:
            try:
                return (yield from func(*args, **kwargs))
            except GeneratorExit:
                raise
            except BaseException as err:
                if isinstance(err, SdapError) and not isinstance(err, RuntimeError):
                    in_panel_words(err)  # (its hints said for the panels)
                    raise
                raise WorkerError(for_panels(failure_message(err, what))) from err

        return run

    return wrap


@dataclass(frozen=True)
class PreviewTarget:
    """Which part of the layer to preview: an index into level 0 and the axes it leaves."""

    index: tuple[Any, ...]
    axes: str
    channel: int | None = None
    """Channel (position on an independent C axis) to show; None shows all (RGB)."""
    full_axes: str = ""
    """Axes of the whole layer (to place the preview)."""


@dataclass(frozen=True)
class Preview:
    """The current model's denoising of the previewed region."""

    data: np.ndarray
    target: PreviewTarget
    step: int


@dataclass(frozen=True)
class Notice:
    """Something the user should know that does not stop the run (shown as a warning)."""

    message: str


@dataclass
class TrainJob:
    """Everything a training run needs; `preview` may be swapped from the main thread."""

    image: Any
    axes: str
    steps: int
    preset: str = "auto"
    stride: int | str = "auto"
    seed: int | None = 0
    """None: the model's own (training it further)."""
    device: str = "auto"
    model: Any = None
    """Continue training this model (its own settings and normalisation) when given."""
    overrides: dict[str, Any] = field(default_factory=dict)
    more: list[tuple[Any, str]] = field(default_factory=list)
    """Further (image, axes) pairs to train on with `image` (the preview shows `image`)."""
    validation: float = 0.0
    """Part of each image held out for a validation loss (`iter_train(validation=...)`)."""
    files: list[str | None] = field(default_factory=list)
    """The file each image (`image`, then `more`) was read from by napari, where known: the
    model's record names it (`record.trained_on`), as for the API's and the CLI's files."""
    layers: list[str] = field(default_factory=list)
    """The name of each image's layer (`image`, then `more`): the engine's warnings number the
    images ("image 3"), which a panel user never saw listed (`_in_layers`)."""
    preview: PreviewTarget | None = None
    preview_every_s: float = 3.0
    stop: threading.Event = field(default_factory=threading.Event)
    """Set from the main thread to stop after the current step (the model keeps what it has)."""
    completed: bool = False
    """Set by the worker once the training ran to its end (a Stop pressed after its last step,
    while the output is measured, stopped nothing)."""


def _preview(model: Any, job: TrainJob, step: int) -> Preview | Notice | None:
    """Denoise the previewed region with the model as it is now; a failure turns it off."""
    target = job.preview
    if target is None:
        return None
    try:
        out = _denoise_target(model, job, target)
    except Exception as err:  # e.g. a crop too small, or no memory left: training goes on
        msg = (f"training preview skipped and turned off ({failure_message(err, 'the preview')});"
               f" training goes on")
        log.warning("napari-sdap: %s", msg)
        job.preview = None
        return Notice(msg)
    finally:
        model.network.train()  # denoise switched it to eval; training goes on
    if target.channel is not None:
        out = np.take(out, target.channel, axis=target.axes.index("C"))
    return Preview(data=out, target=target, step=step)


def _denoise_target(model: Any, job: TrainJob, target: PreviewTarget) -> np.ndarray:
    """The model's output on the previewed region; a 3-D model reads the planes around it (as
    many as it needs, at least those its plane sees, so the result is that of the whole stack)."""
    n = model.config.network
    if n.dims != 3 or n.along not in job.axes:
        return model.denoise(np.asarray(job.image[target.index]), target.axes, device=job.device)
    k = job.axes.index(n.along)
    z, depth, span = target.index[k], job.image.shape[k], n.z_context * n.z_step
    lo = max(0, min(z - span, depth - (2 * span + 1)))
    index = (*target.index[:k], slice(lo, min(depth, lo + 2 * span + 1)), *target.index[k + 1:])
    axes = "".join(a for a, ix in zip(job.axes, index, strict=True) if isinstance(ix, slice))
    out = model.denoise(np.asarray(job.image[index]), axes, device=job.device)
    return np.take(out, z - lo, axis=axes.index(n.along))


_SCALES = "napari_sdap.model.scales"
"""The logger of the warning on training layers of very different intensity scales, shown
in the panel as a `Notice` (a log line alone reached no napari user)."""


class _Noted(logging.Handler):
    """Keeps the texts of the warnings logged while a training runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


def layer_file(layer: Any) -> str | None:
    """The file napari read `layer` from (None: made in memory, or unknown)."""
    path = getattr(getattr(layer, "source", None), "path", None)
    return str(path) if path else None


def _named(image: Any, axes: str, path: str | None) -> Any:
    """`image` as an `ImageSource` naming the file napari read it from (the same array: only
    the training record's `trained_on` changes), or `image` itself where it had none."""
    if not path:
        return image
    from pathlib import Path

    from napari_sdap.api.inputs import ImageSource

    return ImageSource(array=image, axes=axes, path=Path(path))


def _in_layers(text: str, layers: list[str]) -> str:
    """`text` of the engine, which numbers the training images ("image 3: 3..110"; a layer
    made in memory has no file to name beside its number), with the layer of each number."""
    if len(layers) < 2:
        return text
    key = "; ".join(f"image {k}: layer {name!r}" for k, name in enumerate(layers, 1))
    return f"{text} ({key})"


@reported("training")
def train_steps(job: TrainJob) -> Iterator[Any]:
    """Train on `job.image` (and `job.more`), yielding the API's `TrainProgress` per step and a
    `Preview` now and then (or a `Notice` when the preview fails).

    Setting `job.stop` ends training between two steps; the model keeps everything learned so
    far and stays usable (it is in every `TrainProgress.model`).
    """
    from napari_sdap import iter_train

    images = [job.image, *(im for im, _ in job.more)]
    axes = [job.axes, *(ax for _, ax in job.more)]
    images = [_named(im, ax, path) for im, ax, path in
              zip(images, axes, [*job.files, *[None] * len(images)], strict=False)]
    extra = {"validation": job.validation} if job.validation else {}
    run = iter_train(images if job.more else images[0], axes if job.more else job.axes,
                     preset=job.preset, steps=job.steps, stride=job.stride, seed=job.seed,
                     device=job.device, model=job.model, **extra, **job.overrides)
    last_preview = time.perf_counter()
    model, noted = None, _Noted()  # (the engine's word on images of very different scales)
    logging.getLogger(_SCALES).addHandler(noted)
    try:
        for rec in run:
            model = rec.model
            while noted.texts:
                yield Notice(_in_layers(noted.texts.pop(0), job.layers))
            yield rec
            if job.stop.is_set():
                break
            now = time.perf_counter()
            if now - last_preview >= job.preview_every_s:
                preview = _preview(model, job, rec.step)
                last_preview = time.perf_counter()
                if preview is not None:
                    yield preview
        else:
            job.completed = True
    finally:
        logging.getLogger(_SCALES).removeHandler(noted)
        run.close()
    if model is not None:
        preview = _preview(model, job, model.record.steps)
        if preview is not None:
            yield preview



@reported("denoising")
def denoise_steps(steps: Generator[Any, None, Any], *, stop: threading.Event
                  ) -> Generator[Any, None, str]:
    """Run the API's denoising `steps` (`DenoiseRun.steps()`), yielding a `DenoiseStep` per unit.

    Returns ``"done"`` once the output is committed, or ``"stopped"`` when `stop` was set
    (closing `steps` deletes the partial output; all tile writes have finished by then).
    """

    try:
        for rec in steps:
            yield rec
            if stop.is_set():
                return "stopped"
    finally:
        steps.close()
    return "done"


def close_on_abort(worker: Any) -> Any:
    """Close `worker`'s generator as soon as it aborts, and return the worker.

    napari's window close quits every worker (``worker.quit()``), which leaves the generator
    suspended: the run's ``finally`` (which stops its reader and writer threads and deletes a
    partial output) would wait for garbage collection, which a closing application may never
    reach. The connection is direct, so the closing runs in the worker's thread right away.
    """
    from qtpy.QtCore import Qt

    def close() -> None:
        gen = getattr(worker, "_gen", None)
        if gen is not None:
            gen.close()

    worker.aborted.connect(close, Qt.ConnectionType.DirectConnection)
    return worker

