"""Trainings in progress, per model: one at a time, and none left open under a save.

`iter_train` is a generator: a loop left with `break` while the generator is kept (a notebook's
`g = iter_train(...)`) leaves the training open, and the model is only finished (its noise
curve measured, its student distilled or not) when the generator is closed. A model saved then
would lack what finishing adds, and a second training of the same model (another thread, or
the same notebook) would run two optimisers on one network. Both are refused, naming the fix.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import inspect
import logging
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from napari_sdap.errors import ConfigError

__all__ = ["check_not_training", "claim", "close_open_trainings", "exiting", "release",
           "settled", "step_lock", "tracked"]

_OPEN: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()  # (re-entered where a generator finalised by the garbage collector
# inside a held `_LOCK` releases its model)
_STEPS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
"""Per model in training: held while a step of its training runs (between two records)."""


def step_lock(model: Any) -> threading.RLock:
    """`model`'s lock, held by a training of it while a step runs (and by copies of it)."""
    with _LOCK:
        return _STEPS.setdefault(model, threading.RLock())


def settled(model: Any) -> Any:
    """A copy of `model` taken between two steps of any training of it: a denoising run uses
    the model as it was when the run started, however far a training that goes on (in another
    thread, or a generator advanced meanwhile) or starts later takes the model itself. (The
    networks are a few megabytes: the copy costs milliseconds.)"""
    with step_lock(model):
        return copy.deepcopy(model)


def _open(model: Any) -> bool:
    ref = _OPEN.get(model)
    gen = ref() if ref is not None else None
    return gen is not None and inspect.getgeneratorstate(gen) != inspect.GEN_CLOSED


def check_not_training(model: Any, action: str) -> None:
    """Raise `ConfigError` when `model` has a training that is not finished."""
    with _LOCK:
        busy = _open(model)
    if busy:
        raise ConfigError(
            f"this model's training is still open (an iter_train loop left with break while "
            f"its generator is kept, or a training running in another thread), so it cannot "
            f"{action} yet; close that generator (g.close(): the model keeps what it learned "
            f"and is finished) or let the training end")


log = logging.getLogger(__name__)


_EXITING = threading.Event()


def exiting() -> bool:
    """Whether the interpreter is ending (`close_open_trainings` runs): a training stopped then
    is not finished (its noise curve, output blur and mix), as nothing can use its model."""
    return _EXITING.is_set()


def close_open_trainings() -> None:
    """Close the trainings still open (`atexit`): a generator left open to the interpreter's
    end was finalised while torch was torn down, and the process aborted (exit 134, a C++
    'INTERNAL ASSERT FAILED' trace) after the script's last line. Their models are not
    finished (`exiting`): that added 8 s to the exit of a script (or a notebook kernel's
    restart) on a 512² image, for a model no one could use."""
    _EXITING.set()
    with _LOCK:
        gens = [g for ref in _OPEN.values() if (g := ref()) is not None]
    for gen in gens:
        try:
            gen.close()
        except Exception as err:  # (a training running in a daemon thread: let it be)
            log.debug("could not close an open training at exit: %s", err)


atexit.register(close_open_trainings)


def claim(model: Any, gen: Any) -> None:
    """Register `gen` as `model`'s training, or raise `ConfigError` if it has another."""
    with _LOCK:
        if _open(model):
            raise ConfigError(
                "this model is being trained already (an iter_train loop not finished, here or "
                "in another thread); close that generator (g.close()) or let it end, then train "
                "further")
        _OPEN[model] = weakref.ref(gen)


def release(model: Any, gen: Any) -> None:
    """Forget `gen` as `model`'s training (it ended)."""
    with _LOCK:
        ref = _OPEN.get(model)
        if ref is not None and ref() is gen:
            del _OPEN[model]


def tracked(training: Iterator[Any], model: Any) -> Iterator[Any]:
    """`training`'s steps, with its model (`model`, or the new one its first step carries)
    claimed for it until it ends; closed when this is (a loop left early finishes the model,
    its noise curve included)."""
    owner = model
    try:
        if owner is not None:
            claim(owner, training)  # one training of a model at a time
        while True:
            with step_lock(owner) if owner is not None else contextlib.nullcontext():
                rec = next(training, None)  # (a copy is never taken mid-step: `settled`)
            if rec is None:
                break
            if owner is None and rec.model is not None:
                owner = rec.model
                claim(owner, training)
            yield rec
    finally:
        with step_lock(owner) if owner is not None else contextlib.nullcontext():
            training.close()  # (finishing the model: not copied half-way either)
        if owner is not None:
            release(owner, training)
