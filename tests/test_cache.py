from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from align.cache import (
    FILENAME,
    CachedEncoder,
    EmbeddingCache,
    default_cache_dir,
    text_key,
)
from align.encoders.usem3 import USEM3Encoder

TEXTS = ["The cat sat on the mat.", "那天晚上我没走掉。", "The cat sat on the mat.", ""]


class HashEncoder:
    """Deterministic stand-in encoder: fast, any process gives the same vectors."""

    name = "hash"
    dim = 8

    def signature(self) -> str:
        return "hash:1"

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class Counting:
    """Wraps an encoder and records every batch it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.calls: list[list[str]] = []

    def signature(self) -> str:
        return self.inner.signature()

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / FILENAME


def test_default_location_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    assert EmbeddingCache().path == tmp_path / FILENAME


def test_text_key():
    assert text_key("a") == text_key("a") != text_key("b")
    assert len(text_key("任何文本")) == 16


@pytest.mark.slow
def test_second_identical_run_embeds_nothing(db):
    real = USEM3Encoder(threads=1)
    first = Counting(real)
    cached = CachedEncoder(first, EmbeddingCache(db))
    vectors = cached.encode(TEXTS)
    assert first.calls == [["The cat sat on the mat.", "那天晚上我没走掉。", ""]]  # deduplicated
    np.testing.assert_allclose(vectors, real.encode(TEXTS), atol=1e-6)
    np.testing.assert_array_equal(vectors[0], vectors[2])

    second = Counting(real)
    again = CachedEncoder(second, EmbeddingCache(db))  # a new run on the same file
    np.testing.assert_array_equal(again.encode(TEXTS), vectors)
    assert second.calls == []
    assert (again.stats.requested, again.stats.hits, again.stats.misses,
            again.stats.encoded) == (4, 3, 0, 0)


def test_only_new_texts_are_encoded(db):
    counting = Counting(HashEncoder())
    cached = CachedEncoder(counting, EmbeddingCache(db))
    cached.encode(["a", "b"])
    vectors = cached.encode(["b", "c", "a", "c"])
    assert counting.calls == [["a", "b"], ["c"]]
    np.testing.assert_array_equal(vectors, HashEncoder().encode(["b", "c", "a", "c"]))
    assert (cached.stats.hits, cached.stats.misses, cached.stats.encoded) == (2, 3, 3)


def test_wrapper_delegates(db):
    inner = HashEncoder()
    cached = CachedEncoder(inner, EmbeddingCache(db))
    assert (cached.name, cached.dim, cached.signature(), cached.inner) == ("hash", 8, "hash:1", inner)
    assert cached.encode([]).shape == (0, 8)


def test_signatures_do_not_share_vectors(db):
    class Other(HashEncoder):
        def signature(self) -> str:
            return "hash:2"

    CachedEncoder(HashEncoder(), EmbeddingCache(db)).encode(["a"])
    other = Counting(Other())
    CachedEncoder(other, EmbeddingCache(db)).encode(["a"])
    assert other.calls == [["a"]]


def test_bulk_lookup_beyond_sqlite_variable_limit(db):
    texts = [f"sentence {i}" for i in range(2500)]
    CachedEncoder(HashEncoder(), EmbeddingCache(db)).encode(texts)
    counting = Counting(HashEncoder())
    vectors = CachedEncoder(counting, EmbeddingCache(db)).encode(texts)
    assert counting.calls == []
    np.testing.assert_array_equal(vectors, HashEncoder().encode(texts))


def test_rows_of_another_dimension_are_ignored(db):
    cache = EmbeddingCache(db)
    cache.put_many("hash:1", {text_key("a"): np.ones(4, dtype=np.float32)})
    assert cache.get_many("hash:1", [text_key("a")], dim=8) == {}


def test_garbage_file_is_moved_aside_and_rebuilt(db):
    db.write_bytes(b"this is not a database " * 200)
    counting = Counting(HashEncoder())
    cache = EmbeddingCache(db)
    vectors = CachedEncoder(counting, cache).encode(["a", "b"])
    np.testing.assert_array_equal(vectors, HashEncoder().encode(["a", "b"]))
    assert cache.enabled
    assert db.with_name(db.name + ".corrupt").exists()
    assert sqlite3.connect(db).execute("SELECT count(*) FROM vectors").fetchone() == (2,)


def test_truncated_file_is_never_fatal(db):
    cache = EmbeddingCache(db)
    CachedEncoder(HashEncoder(), cache).encode([f"s{i}" for i in range(3000)])
    cache.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2 + 100])
    texts = [f"s{i}" for i in range(0, 3000, 7)]
    cache = EmbeddingCache(db)
    vectors = CachedEncoder(HashEncoder(), cache).encode(texts)
    np.testing.assert_array_equal(vectors, HashEncoder().encode(texts))
    assert cache.enabled
    counting = Counting(HashEncoder())
    CachedEncoder(counting, cache).encode(texts)
    assert counting.calls == []  # whatever was lost has been stored again


def test_unwritable_location_runs_without_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    cache = EmbeddingCache(blocker / "cache" / FILENAME)
    counting = Counting(HashEncoder())
    cached = CachedEncoder(counting, cache)
    np.testing.assert_array_equal(cached.encode(["a"]), HashEncoder().encode(["a"]))
    cached.encode(["a"])
    assert not cache.enabled
    assert counting.calls == [["a"], ["a"]]


def _writer(path: str, offset: int, rounds: int, start_together) -> None:
    """Store overlapping texts in many small transactions; exit 1 if the cache gave up."""
    cache = EmbeddingCache(path)
    encoder = CachedEncoder(HashEncoder(), cache)
    start_together.wait()
    for start in range(rounds):
        encoder.encode([f"text {i}" for i in range(offset + start * 5, offset + start * 5 + 20)])
    raise SystemExit(0 if cache.enabled else 1)


@pytest.mark.slow
def test_concurrent_writers_both_succeed(db):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_writer, args=(str(db), offset, 60, barrier))
               for offset in (0, 10)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    texts = [f"text {i}" for i in range(10 + 59 * 5 + 20)]
    cache = EmbeddingCache(db)
    found = cache.get_many("hash:1", [text_key(t) for t in texts], dim=8)
    assert len(found) == len(texts)
    expected = HashEncoder().encode(texts)
    np.testing.assert_array_equal(np.stack([found[text_key(t)] for t in texts]), expected)
