"""Seeded weight initialisation that trainings in other threads cannot disturb.

Networks draw their first weights from torch's global generator. Seeding it and drawing are two
steps, so two trainings started at once in threads (two napari panels, a notebook's thread
pool) drew from each other's seeds: the same seed gave another model. Here one thread at a time
seeds and draws, and the generator is given back as it was (the user's own draws go on).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

__all__ = ["seeded"]

_LOCK = threading.Lock()


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Inside: torch's global CPU generator seeded with `seed`, for this thread alone; after:
    the generator as it was before."""
    with _LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
