"""On-disk embedding cache, so re-aligning a text embeds only what changed.

One SQLite file, ``embeddings.sqlite3``, in the user cache directory
(``platformdirs.user_cache_dir("align")``) or in ``$ALIGN_CACHE_DIR``. A row is
keyed by the encoder signature and a BLAKE2b digest of the text and holds the
float32 vector with a checksum of the signature, key and vector. A row is used
only when its checksum matches and its vector is right for the encoder (its
dimension, finite, unit length within :data:`NORM_TOLERANCE`): damage that
SQLite's own ``integrity_check`` cannot see (a zeroed or overwritten blob) makes
the row a miss, re-encoded and replaced, and counted in
:attr:`CacheStats.damaged` (the CLI warns), so it never changes a result.
The database runs in WAL mode with a busy timeout, so several processes can
read and write it at once. The cache is only an optimisation and never fatal:
a corrupt file is moved aside and rebuilt, and when the directory is not
writable (or SQLite keeps failing) the cache turns itself off and every
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

from .dirs import CACHE_DIR_ENV as CACHE_DIR_ENV  # re-exported: align.cache names it
from .dirs import default_cache_dir
from .errors import EncoderError
from .models import Encoder

FILENAME = "embeddings.sqlite3"

_CHUNK = 500  # keys per SELECT, below SQLite's historical 999-variable limit
_BUSY_TIMEOUT_S = 10.0  # SQLite's own wait for a lock, per attempt
_ATTEMPTS = 3  # tries of an operation that failed because the database was busy

_T = TypeVar("_T")

#: A cached vector's L2 norm may differ from 1 by at most this (encoders give unit rows).
NORM_TOLERANCE = 1e-3

# Version 2 (the checksum column): rows of the old table ``embeddings`` are not read.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    sig TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    sum BLOB NOT NULL,
    PRIMARY KEY (sig, key)
) WITHOUT ROWID
"""


def text_key(text: str) -> bytes:
    """The 16-byte BLAKE2b digest of ``text`` (UTF-8) that keys its vector."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def row_checksum(signature: str, key: bytes, vec: bytes) -> bytes:
    """The 8-byte BLAKE2b digest stored with a row: of its signature, key and vector."""
    digest = hashlib.blake2b(signature.encode("utf-8"), digest_size=8)
    digest.update(b"\x00" + key + b"\x00" + vec)
    return digest.digest()


def _usable(vec: np.ndarray) -> bool:
    """Whether a decoded vector is finite and of unit length (as encoders return)."""
    if not np.isfinite(vec).all():
        return False
    return abs(float(np.linalg.norm(vec.astype(np.float64))) - 1.0) <= NORM_TOLERANCE


def check_finite(vectors: np.ndarray, encoder: str) -> None:
    """Refuse vectors holding NaN or infinity: their cosines would be too.

    Raises:
        EncoderError: some row is not finite.
    """
    bad = int((~np.isfinite(vectors)).any(axis=-1).sum()) if vectors.size else 0
    if bad:
        raise EncoderError(f"the encoder {encoder!r} returned {bad} vector(s) holding NaN or "
                           "infinity: its model files may be damaged; reinstall or re-download it")


def _busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the lock (worth retrying)."""
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message
                                                          or "busy" in message)


def _read_only(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused to write (a read-only file, folder or ``-shm``)."""
    return "readonly" in str(exc).lower() or "read-only" in str(exc).lower()


def _corrupt(exc: sqlite3.Error) -> bool:
    """Whether the file is damaged or not SQLite at all (worth rebuilding)."""
    message = str(exc).lower()
    return any(word in message for word in ("not a database", "malformed", "corrupt"))


def _select(conn: sqlite3.Connection, sql: str,
            params: Sequence[object]) -> list[tuple[bytes, bytes, bytes]]:
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
        #: Rows found damaged (bad checksum or vector) by :meth:`get_many`, all told.
        self.damaged = 0
        #: The database cannot be written: lookups still served, stores skipped.
        self.read_only = False
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
            The found vectors, float32 ``(dim,)`` each, by key. A damaged row (see
            the module docstring) is left out, as if missing, and counted in
            :attr:`damaged`.
        """
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _CHUNK):
            params = (signature, dim, *keys[start:start + _CHUNK])
            sql = (f"SELECT key, vec, sum FROM vectors WHERE sig = ? AND dim = ? "
                   f"AND key IN ({','.join('?' * (len(params) - 2))})")
            rows = self._run(_select, sql, params)
            for key, vec, checksum in rows or ():
                vector = np.frombuffer(vec, dtype=np.float32) if len(vec) == 4 * dim else None
                if (vector is None or checksum != row_checksum(signature, key, vec)
                        or not _usable(vector)):
                    self.damaged += 1
                    continue
                found[key] = vector
        return found

    def put_many(self, signature: str, vectors: Mapping[bytes, np.ndarray]) -> None:
        """Store float32 vectors by key in one transaction (replacing old rows)."""
        blobs = {key: np.asarray(vec, dtype=np.float32).tobytes() for key, vec in vectors.items()}
        # In key order: the table is a B-tree on (sig, key), and inserting sorted
        # keys writes its pages in order (36,000 rows: 1.5-1.8 s against 2.9-3.7 s).
        rows = [(signature, key, len(blob) // 4, blob, row_checksum(signature, key, blob))
                for key, blob in sorted(blobs.items())]

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")  # one write transaction for all rows
            try:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        if rows and not self.read_only:
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
                    elif _read_only(exc):
                        if not self._repair_modes():
                            self.read_only = True  # lookups go on; stores are skipped
                            return None
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

    def _repair_modes(self) -> bool:
        """Give ``-wal`` and ``-shm`` the database file's mode again; True if one changed.

        SQLite creates them with the mode of the database, so a cache used while
        its file was read-only keeps a read-only ``-shm`` after write access is
        restored, and every later connection is read-only: caching would stay off.
        """
        try:
            mode = os.stat(self.path).st_mode & 0o777
        except OSError:
            return False
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
            return False
        repaired = False
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            try:
                if side.exists() and not os.access(side, os.W_OK):
                    os.chmod(side, mode)
                    repaired = True
            except OSError:
                continue
        return repaired

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
        damaged: Cached rows found damaged, and re-encoded (also among ``misses``).
    """

    requested: int = 0
    hits: int = 0
    misses: int = 0
    encoded: int = 0
    damaged: int = 0


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

    @property
    def joins_parts(self) -> bool:
        """Whether the wrapped encoder's :meth:`encode_joined` reuses kept parts."""
        return bool(getattr(self.inner, "joins_parts", False))

    def forget_parts(self) -> None:
        """The wrapped encoder lets go of its kept parts (if it keeps any)."""
        forget = getattr(self.inner, "forget_parts", None)
        if forget is not None:
            forget()

    def encode_joined(self, parts: Sequence[Sequence[str]], joiner: str, *,
                      batch_size: int = 32) -> np.ndarray:
        """The vectors of ``joiner.join(p)`` for each ``p``, like :meth:`encode`
        on the joined texts: from the cache where possible, the rest through the
        wrapped encoder's ``encode_joined`` where it has one."""
        texts = [joiner.join(p) for p in parts]
        if not self.joins_parts:
            return self.encode(texts, batch_size=batch_size)
        inner = self.inner
        of_text = dict(zip(texts, parts, strict=True))

        def fresh(chosen: list[str]) -> np.ndarray:
            return inner.encode_joined([of_text[t] for t in chosen], joiner,  # type: ignore[attr-defined]
                                       batch_size=batch_size)
        return self._encode(texts, fresh)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, keep_parts: bool = False) -> np.ndarray:
        """Embed ``texts`` like the wrapped encoder, from the cache where possible.

        ``keep_parts`` is passed on for the texts encoded (those read from the
        cache keep nothing; see :meth:`encode_joined`).

        Returns:
            float32 ``(len(texts), dim)``, L2-normalised rows in input order.
        """
        inner = self.inner
        keep = keep_parts and self.joins_parts

        def fresh(chosen: list[str]) -> np.ndarray:
            if keep:
                return inner.encode(chosen, batch_size=batch_size, keep_parts=True)  # type: ignore[call-arg]
            return inner.encode(chosen, batch_size=batch_size)
        return self._encode(texts, fresh)

    def _encode(self, texts: Sequence[str], fresh: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of ``texts``: the cached ones read, ``fresh`` called on the
        distinct texts the cache lacks, and what it returns stored."""
        first: dict[str, int] = {}  # distinct text -> its row in ``unique``
        rows = np.fromiter((first.setdefault(t, len(first)) for t in texts),
                           dtype=np.int64, count=len(texts))
        unique = list(first)
        keys = [text_key(t) for t in unique]
        signature, dim = self.signature(), self.dim
        damaged_before = self.cache.damaged
        found = self.cache.get_many(signature, keys, dim)
        self.stats.damaged += self.cache.damaged - damaged_before

        vectors = np.empty((len(unique), dim), dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        for i, key in enumerate(keys):
            if key in found:
                vectors[i] = found[key]
        if missing:
            new = np.asarray(fresh([unique[i] for i in missing]), dtype=np.float32)
            check_finite(new, self.name)  # never stored, never aligned
            vectors[missing] = new
            self.cache.put_many(signature, dict(zip((keys[i] for i in missing), new, strict=True)))

        self.stats.requested += len(texts)
        self.stats.hits += len(unique) - len(missing)
        self.stats.misses += len(missing)
        self.stats.encoded += len(missing)
        return vectors if len(unique) == len(texts) else vectors[rows]  # no copy when all differ

