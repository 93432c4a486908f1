"""On-disk embedding cache, so re-aligning a text embeds only what changed.

One SQLite file, ``embeddings.sqlite3``, in the user cache directory
(``platformdirs.user_cache_dir("align")``) or in ``$ALIGN_CACHE_DIR``. A row is
keyed by the encoder signature and a BLAKE2b digest of the text and holds the
float32 vector. The database runs in WAL mode with a busy timeout, so several
processes can read and write it at once. The cache is only an optimisation and
never fatal: a corrupt file is moved aside and rebuilt, and when the directory
is not writable (or SQLite keeps failing) the cache turns itself off and every
text is simply encoded.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from .encoders.base import Encoder

CACHE_DIR_ENV = "ALIGN_CACHE_DIR"
FILENAME = "embeddings.sqlite3"

_CHUNK = 500  # keys per SELECT, below SQLite's historical 999-variable limit
_BUSY_TIMEOUT_S = 10.0  # SQLite's own wait for a lock, per attempt
_ATTEMPTS = 3  # tries of an operation that failed because the database was busy

_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    sig TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (sig, key)
) WITHOUT ROWID
"""


def default_cache_dir() -> Path:
    """``$ALIGN_CACHE_DIR`` if set, else the platform's user cache dir for align."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("align", appauthor=False))


def text_key(text: str) -> bytes:
    """The 16-byte BLAKE2b digest of ``text`` (UTF-8) that keys its vector."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the lock (worth retrying)."""
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message
                                                          or "busy" in message)


def _corrupt(exc: sqlite3.Error) -> bool:
    """Whether the file is damaged or not SQLite at all (worth rebuilding)."""
    message = str(exc).lower()
    return any(word in message for word in ("not a database", "malformed", "corrupt"))


def _select(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[tuple[bytes, bytes]]:
    return conn.execute(sql, params).fetchall()


class EmbeddingCache:
    """Vectors by (encoder signature, text digest) in a SQLite file.

    Safe to share between threads and processes. Every failure degrades to a
    cache miss or a skipped store; :attr:`enabled` turns False when the cache
    has given up.

    Args:
        path: The database file; default ``default_cache_dir() / FILENAME``.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_dir() / FILENAME
        self.enabled = True
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0  # connections must not cross a fork

    def get_many(self, signature: str, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """Look up vectors.

        Args:
            signature: The encoder signature.
            keys: Text digests (see :func:`text_key`).
            dim: Expected vector length; rows of another length are ignored.

        Returns:
            The found vectors, float32 ``(dim,)`` each, by key.
        """
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _CHUNK):
            params = (signature, dim, *keys[start:start + _CHUNK])
            sql = (f"SELECT key, vec FROM embeddings WHERE sig = ? AND dim = ? "
                   f"AND key IN ({','.join('?' * (len(params) - 2))})")
            rows = self._run(_select, sql, params)
            for key, vec in rows or ():
                if len(vec) == 4 * dim:
                    found[key] = np.frombuffer(vec, dtype=np.float32)
        return found

    def put_many(self, signature: str, vectors: Mapping[bytes, np.ndarray]) -> None:
        """Store float32 vectors by key in one transaction (replacing old rows)."""
        rows = [(signature, key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes())
                for key, vec in vectors.items()]

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")  # one write transaction for all rows
            try:
                conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        if rows:
            self._run(insert)

    def close(self) -> None:
        """Close the connection; the cache reopens it when used again."""
        with self._lock:
            self._drop_connection()

    def _run(self, operation: Callable[..., _T], *args: object) -> _T | None:
        """Run ``operation(connection, *args)``; None when the cache cannot serve it.

        A busy database is retried; a corrupt one is moved aside and rebuilt once;
        any other failure disables the cache.
        """
        with self._lock:
            rebuilt = False
            for attempt in range(_ATTEMPTS):
                if not self.enabled:
                    return None
                try:
                    return operation(self._connection(), *args)
                except sqlite3.Error as exc:
                    self._drop_connection()
                    if _busy(exc):
                        time.sleep(0.05 * 2 ** attempt)
                    elif _corrupt(exc) and not rebuilt:
                        rebuilt = True
                        self._move_aside()
                    else:
                        self.enabled = False
                except OSError:  # cache directory missing and not creatable
                    self.enabled = False
            return None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S,
                                   isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(_SCHEMA)
            except sqlite3.Error:
                conn.close()
                raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _drop_connection(self) -> None:
        # a connection inherited through fork belongs to the parent: forget it
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    def _move_aside(self) -> None:
        """Rename the broken file to ``*.corrupt`` (kept for inspection) and its
        WAL and shared-memory files away, so the next connection starts afresh."""
        try:
            os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError:
            self.enabled = False


@dataclass
class CacheStats:
    """Counts since the :class:`CachedEncoder` was made.

    Attributes:
        requested: Texts asked for, repeats included.
        hits: Distinct texts whose vectors came from the cache.
        misses: Distinct texts not in the cache.
        encoded: Texts handed to the wrapped encoder (each miss exactly once).
    """

    requested: int = 0
    hits: int = 0
    misses: int = 0
    encoded: int = 0


class CachedEncoder:
    """An :class:`~align.encoders.base.Encoder` that remembers its vectors.

    Each call encodes every distinct text at most once, and only if the cache does
    not have it yet; new vectors are stored for the next run.

    Args:
        inner: The encoder to wrap.
        cache: The cache; default the user's :class:`EmbeddingCache`.
    """

    def __init__(self, inner: Encoder, cache: EmbeddingCache | None = None) -> None:
        self.inner = inner
        self.cache = cache if cache is not None else EmbeddingCache()
        self.stats = CacheStats()

    @property
    def name(self) -> str:
        """The wrapped encoder's name."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The wrapped encoder's dimension."""
        return self.inner.dim

    def signature(self) -> str:
        """The wrapped encoder's signature (the cache does not change vectors)."""
        return self.inner.signature()

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed ``texts`` like the wrapped encoder, from the cache where possible.

        Returns:
            float32 ``(len(texts), dim)``, L2-normalised rows in input order.
        """
        first: dict[str, int] = {}  # distinct text -> its row in ``unique``
        rows = np.fromiter((first.setdefault(t, len(first)) for t in texts),
                           dtype=np.int64, count=len(texts))
        unique = list(first)
        keys = [text_key(t) for t in unique]
        signature, dim = self.signature(), self.dim
        found = self.cache.get_many(signature, keys, dim)

        vectors = np.empty((len(unique), dim), dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        for i, key in enumerate(keys):
            if key in found:
                vectors[i] = found[key]
        if missing:
            fresh = self.inner.encode([unique[i] for i in missing], batch_size=batch_size)
            vectors[missing] = fresh
            self.cache.put_many(signature, dict(zip((keys[i] for i in missing), fresh, strict=True)))

        self.stats.requested += len(texts)
        self.stats.hits += len(unique) - len(missing)
        self.stats.misses += len(missing)
        self.stats.encoded += len(missing)
        return vectors[rows]

