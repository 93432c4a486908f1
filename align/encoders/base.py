"""The sentence-encoder protocol every backend implements.

It is defined in :mod:`align.models` (the embedding cache, below the encoders,
wraps any encoder) and named here, where encoders are written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..models import Encoder

__all__ = ["Encoder", "thread_limit", "threads_at_most"]

_LOCAL = threading.local()


@contextmanager
def threads_at_most(n: int) -> Iterator[None]:
    """Encoder calls made by this thread meanwhile use at most ``n`` worker
    threads (for an encoder that reads :func:`thread_limit`): work on a thread
    of its own beside the caller's leaves the caller a core."""
    before = getattr(_LOCAL, "limit", None)
    _LOCAL.limit = n
    try:
        yield
    finally:
        _LOCAL.limit = before


def thread_limit() -> int | None:
    """The calling thread's limit set by :func:`threads_at_most`, or None."""
    return getattr(_LOCAL, "limit", None)
