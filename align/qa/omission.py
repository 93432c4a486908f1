"""Omission: the clause of one side of a bead that has no counterpart on the other.

A bead can be a good 1-1 pair and still lack a clause, a qualifier, a number or
a name. Each side is cut into clauses (Chinese at ，；：、, sentence ends and
before a word that opens a clause, :data:`ZH_CLAUSE_WORDS`;
English at commas, semicolons, colons, dashes, sentence ends and before
conjunctions and relatives such as *and*, *but*, *which*, *while*; a comma
between digits is no break; a translator's note （译注：…） is no content).
Every content unit is then linked to the other side:

- an English word (stemmed by :mod:`align.lexical`) links to a Chinese jieba
  token when it matches one of the CC-CEDICT glosses of the token, of its
  characters or of the dictionary words inside it (:func:`zh_glosses`), equal,
  sharing a prefix of up to five letters, equal but for a final *d*/*e*, or as
  the end of a compound (:class:`_Words`); a Latin-script token links to the
  same word and to the parts of a compound name;
- each unit keeps at most one partner, the links taken strongest first by the
  links between their clauses, the clauses' positions and the links of their
  neighbours (competitive linking, Melamed 2000; :func:`_match`), so that the
  counterpart of a clause the other side lacks does not borrow the links of
  the topic words it repeats;
- numbers are matched through :mod:`align.qa.numbers` (any reading equal).

Every run of up to three clauses with at least :data:`MIN_UNITS` units, at most
:data:`MAX_MATCHED` of them matched, is a candidate, and so is a run of
:data:`INNER_MIN` unmatched units inside a Chinese clause
(:func:`inner_candidates`). It is weighed by the
:data:`FEATURES`: the unmatched share of it and of the rest of its side, how
well the other side is matched, the cosine of its sentence vector with the
other side, its best cosine with one clause of the other side and its margin
over the other clauses of its side there, the deletion test (Vamvas &
Sennrich 2022: the pair's cosine with the candidate deleted minus the pair's
cosine), its size, and how much deleting it brings the pair's length ratio back
to the document's norm (:mod:`align.qa.length`). Boosted trees of these
(:data:`MODEL`, :class:`Trees`; monotone in ``gain``) give the confidence; a
candidate is reported at :data:`REPORT_AT`. At most one span per side of a bead, the most
confident; ``error`` from :data:`ERROR_AT`, else ``warning``. In a document
where more than :data:`CAP` of the beads would be reported (a free
translation), only the most confident :data:`CAP` are (:func:`document_cutoff`).

A dropped figure is reported once: when the figures the ``numbers`` check
finds unmatched in a bead all lie inside an omission span,
:func:`merge_numbers` drops the ``numbers`` finding and the omission finding,
which names the figures, becomes an ``error``.

The model was fitted and the thresholds chosen on the dev split of
``bench/bench_partial.py`` and checked on its held-out and check splits
(docs/qa.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise

import numpy as np

from ..models import Alignment, Finding, Lang
from ..text import clause_spans
from .base import Pair, pairs

NAME = "omission"

#: A candidate span needs this many content units (words; Chinese tokens).
MIN_UNITS = 2
#: ... of which at most this share may be matched on the other side ...
MAX_MATCHED = 0.6
#: ... while the rest of its side is matched at least this much.
MIN_REST = 0.0
#: The rest of the side must keep this many content units.
MIN_REST_UNITS = 1
#: Confidence at which a finding is an ``error``.
ERROR_AT = 0.97

_EN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d+(?:[.,]\d+)*")
_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’.&][A-Za-z0-9]+)*|\d+(?:[.,]\d+)*")
_ZH_STOP = frozenset("的 了 在 是 和 与 及 也 都 就 而 等 这 那 其 之 将 被 把 对 从 向 为 以 于 中 "
                     "上 下 个 着 过 并 或 但 又 还 所 该 此 他 她 它 我 你 们 有 要 会 能 "
                     "一 不 很 更 最 来 到 用 进行 作为 其中 本 已 这里 不过 出来 使 让 给 得 地 "
                     "便 即 则 且 后 时 里 再 这样 这些 那些 这个 那个 他们 我们 你们 它们 "
                     "如果 因为 所以 但是 以及 或者 并且 可以 能够 应该 需要".split())
_EN_STOP = frozenset("""which who whom whose what there here them they their you your we our us he
she his her him each more most any all some other only just also very much many such well""".split())


@dataclass(frozen=True)
class Clause:
    """A clause of one side: its offsets in the bead's text and content units."""

    start: int
    end: int
    text: str
    units: tuple[str, ...]
    #: each unit's (start, end) in the bead's text, or () when unknown
    at: tuple[tuple[int, int], ...] = ()


def en_clauses(text: str) -> list[Clause]:
    """The clauses of an English text with their stemmed content words."""
    out = []
    for a, b in clause_spans(text, "en"):
        piece = text[a:b]
        units = [w for m in _EN_WORD_RE.finditer(piece) for w in _en_units(m.group())]
        out.append(Clause(a, b, piece, tuple(u for u in units if u not in _EN_STOP)))
    return out


@lru_cache(maxsize=50_000)
def _en_units(word: str) -> tuple[str, ...]:
    from ..lexical import en_bag

    return tuple(sorted(en_bag(word))) if not word[0].isdigit() else (word.replace(",", ""),)


#: A translator's note, （译注：…）: the translator's own addition, marked as such.
_ZH_NOTE_RE = re.compile(r"[（(]\s*(?:译注|譯註|譯注|译者注|譯者註|譯者注)[^）)]*[）)]")


def zh_clauses(text: str) -> list[Clause]:
    """The clauses of a Chinese text with their content tokens (jieba, normalised).

    The words of a translator's note (:data:`_ZH_NOTE_RE`) are left out: the
    note says itself that the original lacks it.
    """
    from ..text import tokens

    blank = _ZH_NOTE_RE.sub(lambda m: " " * len(m.group()), text)
    out = []
    for a0, b0 in clause_spans(text, "zh"):
        located = _located_tokens(blank, a0, b0)
        if located is None:  # the matching form changes the length: no offsets, no cuts
            units = tuple(t for t in tokens(blank[a0:b0], "zh") if _zh_content(t))
            out.append(Clause(a0, b0, text[a0:b0], units))
            continue
        cuts = _conjunction_cuts(blank, a0, b0, located) if ZH_CONJUNCTION_CUTS else []
        for a, b in pairwise([a0, *cuts, b0]):
            here = [(t, s, e) for t, s, e in located if a <= s < b and _zh_content(t)]
            out.append(Clause(a, b, text[a:b], tuple(t for t, _, _ in here),
                              tuple((s, e) for _, s, e in here)))
    return out


def _located_tokens(text: str, a: int, b: int) -> list[tuple[str, int, int]] | None:
    """The jieba tokens of ``text[a:b]`` (matching form, in order) with their
    offsets in ``text``; None when the matching form changes the length."""
    from ..text import normalize_zh, tokens

    norm = normalize_zh(text[a:b]).lower()
    if len(norm) != b - a:
        return None
    out, at = [], 0
    for t in tokens(text[a:b], "zh"):
        k = norm.find(t, at)
        if k < 0:
            return None
        out.append((t, a + k, a + k + len(t)))
        at = k + len(t)
    return out


#: Words that open a Chinese clause without a comma before them, as *and*,
#: *but*, *if*, *because* open an English one (which :func:`en_clauses` cuts
#: before): 并 in 建立了多个条目并跳过了上传, 以便 in 修改文件以便重新构建.
ZH_CLAUSE_WORDS = frozenset("""并 并且 而且 而 但 但是 却 可是 然而 不过 如果 若 假如 要是 因为 由于
所以 因此 因而 于是 虽然 尽管 即使 以便 以免 从而 进而 然后 或者 还是 以及 同时 否则 除非 直到
只要 只有 使得 并将""".split())
#: Whether :func:`zh_clauses` cuts before :data:`ZH_CLAUSE_WORDS`.
ZH_CONJUNCTION_CUTS = True


def _conjunction_cuts(text: str, a: int, b: int, located: list[tuple[str, int, int]]) -> list[int]:
    """Offsets before each word of :data:`ZH_CLAUSE_WORDS` among the ``located``
    tokens of the clause ``text[a:b]``, where both pieces keep two Han
    characters or more."""
    return [s for t, s, _ in located
            if t in ZH_CLAUSE_WORDS and len(_HAN_RE.findall(text[a:s])) >= 2
            and len(_HAN_RE.findall(text[s:b])) >= 2 + len(t)]


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=50_000)
def mainland(token: str) -> str:
    """A (Simplified) token as the mainland word for it, for the dictionary only:
    back to Traditional (OpenCC ``s2t``), then Taiwan phrases to mainland ones
    (``tw2sp``: 程式 -> 程序, 软体 -> 软件, 档案 -> 文件, 内建 -> 内置).

    CC-CEDICT is keyed on mainland forms; converting characters alone (``t2s``,
    as :func:`align.text.normalize_zh` does for the aligner) leaves Taiwanese
    words that the dictionary lacks, and their English words then look
    unmatched. The token is converted alone and its glosses are only added to
    (:func:`zh_glosses`): a whole sentence through ``tw2sp`` would also rewrite
    mainland names a Traditional text uses (哈薩克斯坦 -> 哈萨克斯坦斯坦, 哈薩克
    being Taiwan's name for the country) and cut the sentence differently.
    """
    from ..text import opencc_converter

    return opencc_converter("tw2sp").convert(opencc_converter("s2t").convert(token))


def _zh_content(token: str) -> bool:
    """A content token: not a function word; a Latin-script one of 3 letters or
    more (``ld``, ``dh``, ``Z``: the English side drops words that short too)
    or a number."""
    if token in _ZH_STOP or token in ZH_CLAUSE_WORDS or (MODALS and token in _ZH_MODALS):
        return False
    if _LATIN_RE.fullmatch(token):
        return len(token) > 2 or token[0].isdigit()
    return bool(zh_glosses(token))


# --- word alignment ----------------------------------------------------------------


def _key(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


class _Words:
    """A set of stemmed English words that also matches inflected variants.

    Two stems match when they are equal, or the shorter has at least 4 letters
    and both share a prefix of ``min(5, len(shorter))`` letters (``shar`` =
    ``share``, ``librari`` = ``library``, ``configur`` = ``configuration``): the
    stemmer of :mod:`align.lexical` is crude, and glosses use other forms; so
    are two words equal but for a final *d* or *e* (:func:`_bare`). A
    compound also matches a word of 4 or more letters it ends with, after 2 or
    more letters (``subdirectory`` = ``directory``, ``codename`` = ``name``).
    """

    def __init__(self, words: set[str]) -> None:
        self.words = words
        self.bare = {_bare(w) for w in words}
        self.by_prefix: dict[str, list[str]] = {}
        for w in words:
            if len(w) >= 4:
                self.by_prefix.setdefault(w[:4], []).append(w)

    def __contains__(self, word: str) -> bool:
        if word in self.words or _bare(word) in self.bare:
            return True
        if len(word) < 4:
            return False
        for w in self.by_prefix.get(word[:4], ()):
            n = min(5, len(w), len(word))
            if w[:n] == word[:n]:
                return True
        # a compound ending in a word of the set: subdirectory = directory
        # (not a suffix that is also a word: distribut-able is not "able")
        return any(word[k:] in self.words and (not SUFFIX_RULE or word[k:] not in _SUFFIX_WORDS)
                   for k in range(2, len(word) - 3))


#: Word endings that are also words of a gloss (能 "able", 部分 "section"):
#: a word ending in one is no compound of it (:class:`_Words`).
_SUFFIX_WORDS = frozenset("able ible ment ness less ship tion sion ance ence ally ward wise".split())
#: Whether :class:`_Words` keeps suffixes out of compounds (for the benches).
SUFFIX_RULE = True
#: Chinese modal verbs, the counterparts of the English modals the English side
#: does not count (must, can, may, should: :data:`align.lexical._STOP`): not
#: content, or 必须 in a faithful 必须是可分发的 ("must be distributable")
#: is a word without a partner.
_ZH_MODALS = frozenset("必须 必需 须 必 不能 不可 不可以 可 应当 应 该 不得 无法 不必 不用 不会".split())
#: Whether :func:`_zh_content` leaves the modals out (for the benches).
MODALS = True


def _bare(word: str) -> str:
    """A word without a final *d* and *e* (``used`` = ``use``, ``based`` = ``base``),
    which the stemmer of :mod:`align.lexical` leaves on words under 6 letters."""
    bare = word[:-1] if word.endswith("ed") else word
    bare = bare[:-1] if bare.endswith("e") else bare
    return bare if len(bare) >= 2 else word


@lru_cache(maxsize=200_000)
def zh_glosses(token: str) -> frozenset[str]:
    """The glosses of a Chinese token, of its characters and of the dictionary
    words inside it (CC-CEDICT).

    The characters' glosses are added because the dictionary's word senses
    miss common renderings (构建 is only "construct", 建 also "build"); the inner
    words because jieba keeps compounds the dictionary lacks (维护程序 =
    维护 "maintain" + 程序 "program").
    """
    from ..lexical import glosses

    out = set(glosses(token))
    if not _LATIN_RE.fullmatch(token) and (word := mainland(token)) != token:
        out |= glosses(word)
    if len(token) > 1 and not _LATIN_RE.fullmatch(token):
        for ch in token:
            out |= glosses(ch)
        for n in range(2, len(token)):  # the words inside a compound: 维护程序 = 维护 + 程序
            for a in range(len(token) - n + 1):
                out |= glosses(token[a:a + n])
    return frozenset(out)


@lru_cache(maxsize=50_000)
def _latin_words(token: str) -> frozenset[str]:
    """What English words a Latin-script token of the Chinese side stands for:
    itself, and the parts of a compound name (dpkg-buildpackage, package.lintian-overrides)."""
    from ..lexical import en_bag

    return frozenset({_key(token)} | en_bag(token))


@dataclass(frozen=True)
class Side:
    """One side of a bead, cut into clauses, with what each unit matched."""

    lang: Lang
    text: str
    clauses: tuple[Clause, ...]
    matched: tuple[tuple[bool, ...], ...]

    def count(self, lo: int, hi: int) -> tuple[int, int]:
        """(units, matched units) of clauses ``lo`` to ``hi - 1``."""
        units = sum(len(self.matched[k]) for k in range(lo, hi))
        return units, sum(sum(self.matched[k]) for k in range(lo, hi))

    def share(self, clauses: Iterable[int]) -> float:
        """The share of matched units in the clauses of these indices (0 when they have none)."""
        units = [m for k in clauses for m in self.matched[k]]
        return sum(units) / len(units) if units else 0.0




def _quantities(text: str, lang: Lang):
    from .numbers import en_quantities, zh_quantities

    return en_quantities(text) if lang == "en" else zh_quantities(text)


def _number_units(text: str, lang: Lang, other: set[float]) -> list[bool]:
    from .numbers import value_key

    return [any(value_key(v) in other for v in q.readings)
            for q in _quantities(text, lang) if q.reportable]


def _links(en: list[Clause], zh: list[Clause]) -> np.ndarray:
    """(English units, Chinese units) bool matrix: which unit can translate which.

    Numbers are left out (see :func:`_number_units`). An English word links to
    a Chinese token when it matches one of the token's glosses (or, for a
    Latin-script token, the token itself).
    """
    en_u = [u for c in en for u in c.units if not u[0].isdigit()]
    zh_u = [t for c in zh for t in c.units if not t[0].isdigit()]
    out = np.zeros((len(en_u), len(zh_u)), dtype=bool)
    for j, t in enumerate(zh_u):
        words = _Words(set(_latin_words(t)) if _LATIN_RE.fullmatch(t) else set(zh_glosses(t)))
        for i, u in enumerate(en_u):
            out[i, j] = u in words
    return out


#: Weight of the position in a link's strength (:func:`_match`).
POSITION = 1.0
#: Weight, in a link's strength, of each neighbouring unit pair also linked
#: (:func:`_neighbours`).
ADJACENT = 0.5


def _neighbours(linked: np.ndarray, i: int, j: int) -> int:
    """How many of the units next to English unit ``i`` link to a unit next to
    Chinese unit ``j`` (either order): words translated together stay together
    (*upstream source* = 上游程式码), so of two occurrences of a word the one
    whose neighbours are linked to its partner's neighbours is the partner."""
    n, m = linked.shape
    return sum(bool(linked[a, b]) for a in (i - 1, i + 1) for b in (j - 1, j + 1)
               if 0 <= a < n and 0 <= b < m)


def _match(en_clause: list[int], zh_clause: list[int], linked: np.ndarray,
           en_pos: list[float], zh_pos: list[float]) -> tuple[list[bool], list[bool]]:
    """Which English and which Chinese units keep a partner, when each unit may
    stand for only one unit of the other side (competitive linking, Melamed 2000).

    A topic word ("package", 软件包) links to every occurrence of its partner,
    so a clause the other side lacks could borrow the links of the clauses that
    are there. Here the links are taken one by one, the strongest first, each
    unit at most once: a link is as strong as the links between its two clauses
    (each weighed by how few partners its units have), so a repeated word goes
    to the occurrence in the clause that otherwise matches its own. A unit left
    without a partner keeps one when it links to a unit matched from its own
    clause ("source code" = 源代码: one Chinese token for two English words).

    Args:
        en_clause, zh_clause: the clause of each English and Chinese unit.
        linked: (English units, Chinese units) links (:func:`_links`).

    Returns:
        Matched English units, matched Chinese units.
    """
    rows, cols = np.nonzero(linked)
    weight = 1 / np.sqrt(linked.sum(axis=1)[rows] * linked.sum(axis=0)[cols])
    affinity: dict[tuple[int, int], float] = {}
    for i, j, w in zip(rows.tolist(), cols.tolist(), weight.tolist(), strict=True):
        key = (en_clause[i], zh_clause[j])
        affinity[key] = affinity.get(key, 0.0) + w
    def strength(t: tuple[int, int, float]) -> float:
        i, j, _ = t
        return (affinity[en_clause[i], zh_clause[j]] + POSITION * (1 - abs(en_pos[en_clause[i]] - zh_pos[zh_clause[j]]))
                + ADJACENT * _neighbours(linked, i, j))

    order = sorted(zip(rows.tolist(), cols.tolist(), weight.tolist(), strict=True),
                   key=lambda t: (-strength(t), -t[2], t[0], t[1]))
    en_to: dict[int, int] = {}
    zh_to: dict[int, int] = {}
    for i, j, _ in order:
        if i not in en_to and j not in zh_to:
            en_to[i], zh_to[j] = j, i
    en_hit = [i in en_to for i in range(linked.shape[0])]
    zh_hit = [j in zh_to for j in range(linked.shape[1])]
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if not en_hit[i] and j in zh_to and en_clause[zh_to[j]] == en_clause[i]:
            en_hit[i] = True
        if not zh_hit[j] and i in en_to and zh_clause[en_to[i]] == zh_clause[j]:
            zh_hit[j] = True
    return en_hit, zh_hit


def align_sides(en_text: str, zh_text: str) -> tuple[Side, Side]:
    """Cut both sides into clauses and mark every content unit matched or not.

    Args:
        en_text: the English side of a bead.
        zh_text: the Chinese side (any variant).

    Returns:
        The English and the Chinese :class:`Side`.
    """
    from .numbers import reading_keys

    en, zh = en_clauses(en_text), zh_clauses(zh_text)
    langs: tuple[tuple[Lang, list[Clause], str, str], ...] = (
        ("en", en, en_text, zh_text), ("zh", zh, zh_text, en_text))
    words = {lang: [(k, u) for k, c in enumerate(clauses) for u in c.units if not u[0].isdigit()]
             for lang, clauses, _, _ in langs}
    pos = {lang: [(c.start + c.end) / 2 / max(1, len(text)) for c in clauses]
           for lang, clauses, text, _ in langs}
    en_hit, zh_hit = _match([k for k, _ in words["en"]], [k for k, _ in words["zh"]],
                            _links(en, zh), pos["en"], pos["zh"])
    hits = {"en": en_hit, "zh": zh_hit}
    sides = []
    for lang, clauses, text, other in langs:
        numbers = reading_keys(_quantities(other, "zh" if lang == "en" else "en"))
        matched = tuple(tuple([h for (k, _), h in zip(words[lang], hits[lang], strict=True) if k == n]
                              + _number_units(c.text, lang, numbers))
                        for n, c in enumerate(clauses))
        sides.append(Side(lang, text, tuple(clauses), matched))
    return sides[0], sides[1]


# --- candidates and the embedding tests ----------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A run of clauses ``lo`` to ``hi - 1`` of one side with few matched units.

    Attributes:
        side: the side it is on.
        lo, hi: clause indices.
        units, matched: its content units and how many are matched.
        rest_units, rest_matched: the same for the rest of its side.
    """

    side: Side
    lo: int
    hi: int
    units: int
    matched: int
    rest_units: int
    rest_matched: int
    inner: bool = False  # a run inside a clause (inner_candidates)

    @property
    def start(self) -> int:
        return self.side.clauses[self.lo].start

    @property
    def end(self) -> int:
        """End offset, without the punctuation and spaces that close the run."""
        text = self.side.text
        end = self.side.clauses[self.hi - 1].end
        while end > self.start and (text[end - 1].isspace() or _is_punct(text[end - 1])):
            end -= 1
        return end

    @property
    def text(self) -> str:
        return self.side.text[self.start:self.end]

    @property
    def rest_text(self) -> str:
        return self.side.text[:self.start] + self.side.text[self.side.clauses[self.hi - 1].end:]

    @property
    def unmatched_share(self) -> float:
        return 1 - self.side.share(range(self.lo, self.hi))

    @property
    def rest_share(self) -> float:
        return self.side.share([k for k in range(len(self.side.clauses)) if not self.lo <= k < self.hi])


def _is_punct(ch: str) -> bool:
    return not ch.isalnum() and ch not in "）)」』”’\"'"


def candidates(side: Side, max_clauses: int = 3) -> list[Candidate]:
    """Runs of up to ``max_clauses`` clauses that pass the lexical thresholds.

    Args:
        side: one side of a bead (:func:`align_sides`).
        max_clauses: the longest run considered.

    Returns:
        The candidates; overlapping ones are all kept (the caller picks).
    """
    total, total_hit = side.count(0, len(side.clauses))
    out = []
    for lo in range(len(side.clauses)):
        for hi in range(lo + 1, min(len(side.clauses), lo + max_clauses) + 1):
            units, hit = side.count(lo, hi)
            rest, rest_hit = total - units, total_hit - hit
            if (units >= MIN_UNITS and hit <= MAX_MATCHED * units and rest >= MIN_REST_UNITS
                    and rest_hit >= MIN_REST * rest):
                out.append(Candidate(side, lo, hi, units, hit, rest, rest_hit))
    return out


#: A run of at least this many unmatched Chinese units inside a clause that
#: also has matched ones is a candidate of its own (:func:`inner_candidates`).
INNER_MIN = 2
#: Whether :func:`find_many` weighs such runs.
INNER_RUNS = True


def _unit_hits(side: Side, k: int) -> list[bool]:
    """Matched or not, for each unit of clause ``k`` in order (a number counts as matched)."""
    words = iter(side.matched[k])
    return [True if u[0].isdigit() else next(words) for u in side.clauses[k].units]


def inner_candidates(side: Side) -> list[Candidate]:
    """Runs of unmatched units inside a Chinese clause, each on a side whose
    clause is cut around the run (``Candidate.side``).

    Chinese puts a modifier inside the clause it modifies (在显示关键信息的 X
    Window 下运行: "run under X Window *when critical information is
    displayed*"), so an English clause the Chinese lacks, or has alone, is
    often a stretch of one Chinese clause rather than a clause of its own. A
    run of :data:`INNER_MIN` or more unmatched units, in a clause with a
    matched unit, is cut out as a clause (with what lies before and after it
    in that clause as two more), and weighed like any candidate.
    """
    if side.lang != "zh":
        return []
    out = []
    for k, c in enumerate(side.clauses):
        if not c.at or len(c.at) != len(c.units):
            continue
        hits = _unit_hits(side, k)
        if all(hits) or not any(hits):
            continue
        runs, lo = [], None
        for i, h in enumerate([*hits, True]):
            if not h and lo is None:
                lo = i
            elif h and lo is not None:
                if i - lo >= INNER_MIN:
                    runs.append((lo, i))
                lo = None
        for lo, hi in runs:
            start, end = c.at[lo][0], c.at[hi - 1][1]
            pieces = [(c.start, start, 0, lo), (start, end, lo, hi), (end, c.end, hi, len(c.units))]
            clauses, matched = list(side.clauses[:k]), list(side.matched[:k])
            for a, b, u0, u1 in pieces:
                if a >= b:
                    continue
                clauses.append(Clause(a, b, side.text[a:b], c.units[u0:u1], c.at[u0:u1]))
                matched.append(tuple(hits[u0:u1]))
                if u0 == lo:
                    at = len(clauses) - 1
            clauses += side.clauses[k + 1:]
            matched += side.matched[k + 1:]
            cut = Side(side.lang, side.text, tuple(clauses), tuple(matched))
            total, total_hit = cut.count(0, len(clauses))
            units = hi - lo
            if total - units >= MIN_REST_UNITS:
                out.append(Candidate(cut, at, at + 1, units, 0, total - units, total_hit, True))
    return out


@dataclass(frozen=True)
class Omission:
    """Text of one side of a bead with no counterpart on the other.

    Attributes:
        only_in: the side that has the text.
        start, end: character offsets of the span in that side's bead text.
        text: the span.
        confidence: probability-like value in [0, 1] (:func:`confidence`).
        features: the evidence, named as in :data:`FEATURES`.
    """

    only_in: Lang
    start: int
    end: int
    text: str
    confidence: float
    features: tuple[float, ...] = ()
    whole: bool = False
    inner: bool = False

    def feature(self, name: str) -> float:
        return self.features[FEATURES.index(name)]


#: The evidence on a candidate span, in this order:
#: unmatched: share of its content units with no partner on the other side;
#: rest_matched: share of the rest of its side's units that have one;
#: cos: cosine of its sentence vector with the other side;
#: best_cos: its best cosine with one clause of the other side;
#: gain: the pair's cosine with the span deleted, minus the pair's cosine;
#: log_units, log_rest: log of its and the rest's content units;
#: length_gain: |z| of the pair's length ratio minus |z| with the span deleted
#: (as in :mod:`align.qa.length`: the span explains an odd length);
#: english: 1 for a span of the English side;
#: other_matched: share of the other side's units that are matched;
#: other_worst: the unmatched share of the other side's worst-matched clause;
#: margin: over the other side's clauses, the largest of the span's cosine with
#: one minus the best cosine of a clause of the span's side outside the span
#: with it (a span whose counterpart is there is the best partner of a clause);
#: inner: 1 for a run of unmatched units inside a clause (:func:`inner_candidates`).
FEATURES = ("unmatched", "rest_matched", "cos", "best_cos", "gain", "log_units", "log_rest",
            "length_gain", "english", "other_matched", "other_worst", "margin", "inner")
#: The model of :data:`FEATURES`: gradient-boosted trees (200 of depth 3,
#: monotone in ``gain``), the output of ``bench/bench_partial.py MACDEV_DIR
#: --fit PATH`` (non-literary dev split; docs/qa.md), read by :class:`Trees`.
MODEL = "omission_trees.json"
#: Confidence from which a candidate is reported: the lowest (in steps of 0.02)
#: at which each technical source of the dev split (maint-guide, the Debian
#: Reference) has at most 9 in 1,000 untouched beads flagged (a margin under
#: the target of 10; 0.86 flags 9.2 on maint-guide).
REPORT_AT = 0.88


@dataclass(frozen=True)
class Trees:
    """Boosted trees as complete binary trees, evaluated for many rows at once.

    Tree ``t`` splits at internal node ``n`` (heap order: the children of ``n``
    are ``2n+1`` and ``2n+2``) on feature ``feature[t, n]``: a row goes left
    when its value is at most ``threshold[t, n]``. Its leaves hold ``leaf[t]``;
    the confidence is the logistic of ``baseline`` plus one leaf of each tree.
    """

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray  # (trees, 2**depth - 1) int
    threshold: np.ndarray  # (trees, 2**depth - 1)
    leaf: np.ndarray  # (trees, 2**depth)

    @classmethod
    def from_dict(cls, spec: dict) -> Trees:
        trees = spec["trees"]
        return cls(tuple(spec["features"]), float(spec["baseline"]),
                   np.asarray([t["feature"] for t in trees], dtype=np.intp),
                   np.asarray([t["threshold"] for t in trees], dtype=np.float64),
                   np.asarray([t["leaf"] for t in trees], dtype=np.float64))

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """The log-odds of each row (``(n, features)``)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        trees = np.arange(len(self.leaf))
        node = np.zeros((len(rows), len(trees)), dtype=np.intp)
        for _ in range(self.leaf.shape[1].bit_length() - 1):
            f = self.feature[trees, node]
            value = np.take_along_axis(rows, f, axis=1)
            node = 2 * node + 1 + (value > self.threshold[trees, node])
        return self.baseline + self.leaf[trees, node - self.feature.shape[1]].sum(axis=1)

    def proba(self, rows: np.ndarray) -> np.ndarray:
        """The confidence of each row."""
        return 1 / (1 + np.exp(-np.clip(self.raw(rows), -50.0, 50.0)))


@lru_cache(maxsize=1)
def model() -> Trees:
    """The shipped :data:`MODEL` (checked against :data:`FEATURES`)."""
    import json
    from importlib.resources import files

    trees = Trees.from_dict(json.loads(files("align").joinpath("data", MODEL).read_text("utf-8")))
    if trees.features != FEATURES:
        raise RuntimeError(f"{MODEL} is for features {trees.features}, not {FEATURES}")
    return trees


def _norm(text: str, lang: Lang) -> str:
    from ..text import normalize_zh

    return normalize_zh(text) if lang == "zh" else text


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _length_z(en: str, zh: str, centre: float, scale: float) -> float:
    from .length import en_words, log_ratio, sd_at

    return (log_ratio(zh, en) - centre) / sd_at(en_words(en)) / scale


def _lexical(c: Candidate, other: Side, centre: float, scale: float) -> dict[str, float]:
    """The :data:`FEATURES` of a candidate that need no vector."""
    en_side = c.side.lang == "en"
    before = _length_z(*((c.side.text, other.text) if en_side else (other.text, c.side.text)), centre, scale)
    after = _length_z(*((c.rest_text, other.text) if en_side else (other.text, c.rest_text)), centre, scale)
    worst = max((1 - other.share([k]) for k, m in enumerate(other.matched) if len(m) >= MIN_UNITS),
                default=0.0)
    return {"other_matched": other.share(range(len(other.clauses))), "other_worst": worst,
            "unmatched": c.unmatched_share, "rest_matched": c.rest_share,
            "log_units": math.log(max(1, c.units)), "log_rest": math.log(max(1, c.rest_units)),
            "length_gain": abs(before) - abs(after), "english": float(en_side),
            "inner": float(c.inner)}


def _in_order(named: dict[str, float]) -> tuple[float, ...]:
    return tuple(named[name] for name in FEATURES)


class _Texts:
    """Texts to embed, each distinct one once, encoded in one call."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self.rows.setdefault(text, len(self.rows))

    def encode(self, encoder) -> np.ndarray:
        if not self.rows:
            return np.zeros((0, 1), dtype=np.float32)
        return np.asarray(encoder.encode(list(self.rows)), dtype=np.float32)


@dataclass
class _Job:
    """One side of one bead to weigh: its candidates and the rows of their texts."""

    cands: list[Candidate]
    other: Side
    centre: float
    scale: float = 1.0
    head: tuple[int, int] = (0, 0)  # rows of the side's and the other side's text
    clauses: list[int] = field(default_factory=list)  # rows of the other side's clauses
    spans: list[int] = field(default_factory=list)  # row of each candidate's text
    own: list[int] = field(default_factory=list)  # rows of the side's clauses

    def ask(self, texts: _Texts) -> None:
        """Stage one: the texts every candidate needs (both sides, the other's clauses, itself)."""
        side, other = self.cands[0].side, self.other
        self.head = (texts.add(_norm(side.text, side.lang)), texts.add(_norm(other.text, other.lang)))
        self.clauses = [texts.add(_norm(c.text, other.lang)) for c in other.clauses]
        self.spans = [texts.add(_norm(c.text, side.lang)) for c in self.cands]
        self.own = [texts.add(_norm(c.text, side.lang)) for c in side.clauses]

    def embedded(self, vecs: np.ndarray) -> list[dict[str, float]]:
        """Each candidate's features but ``gain``, from the stage-one vectors."""
        target = vecs[self.head[1]]
        clauses = vecs[self.clauses]
        own = vecs[self.own] @ clauses.T  # (own clauses, other clauses)
        out = []
        for c, row in zip(self.cands, self.spans, strict=True):
            f = _lexical(c, self.other, self.centre, self.scale)
            sims = clauses @ vecs[row]
            outside = np.delete(own, range(c.lo, c.hi), axis=0)
            rival = outside.max(axis=0) if len(outside) else np.full(len(sims), -1.0)
            f.update(cos=float(vecs[row] @ target), best_cos=float(sims.max()),
                     margin=float((sims - rival).max()))
            out.append(f)
        return out


def _gain_bounds(base: float) -> tuple[float, float]:
    """The range of ``gain`` (a cosine minus ``base``) before the rest is embedded."""
    return -1.0 - base, 1.0 - base


def _may_report(feats: Sequence[dict[str, float]], bases: Sequence[float], threshold: float) -> list[bool]:
    """Whether any ``gain`` the rest's vector could give gets each candidate reported.

    Exact: the model is monotone in ``gain``, so a candidate's best case is an
    end of :func:`_gain_bounds`; only candidates that pass here need the rest
    embedded.
    """
    if not feats:
        return []
    rows = [_in_order({**f, "gain": g}) for f, base in zip(feats, bases, strict=True) for g in _gain_bounds(base)]
    best = model().proba(np.asarray(rows)).reshape(len(feats), 2).max(axis=1)
    return (best >= threshold).tolist()


def _weigh(jobs: Sequence[_Job], encoder, threshold: float | None) -> list[list[Omission]]:
    """The candidates of every job weighed with two encoder calls in all.

    With ``threshold`` None every candidate is weighed (for fitting); else only
    those that :func:`_may_report` get their rest embedded and an :class:`Omission`.
    """
    texts = _Texts()
    for job in jobs:
        job.ask(texts)
    vecs = texts.encode(encoder)
    partial = [job.embedded(vecs) for job in jobs]
    bases = [float(vecs[job.head[0]] @ vecs[job.head[1]]) for job in jobs]  # the pair's cosine
    every = [(j, k, f) for j, feats in enumerate(partial) for k, f in enumerate(feats)]
    keep = ([True] * len(every) if threshold is None
            else _may_report([f for *_, f in every], [bases[j] for j, *_ in every], threshold))
    rests = _Texts()
    chosen = []
    for (j, k, f), kept in zip(every, keep, strict=True):
        if kept:
            c = jobs[j].cands[k]
            chosen.append((j, c, f, rests.add(_norm(c.rest_text, c.side.lang))))
    rest_vecs = rests.encode(encoder)
    values = [_in_order({**f, "gain": float(_unit(rest_vecs[row]) @ vecs[jobs[j].head[1]]) - bases[j]})
              for j, _, f, row in chosen]
    scores = model().proba(np.asarray(values)).tolist() if values else []
    out: list[list[Omission]] = [[] for _ in jobs]
    for (j, c, *_), v, p in zip(chosen, values, scores, strict=True):
        out[j].append(Omission(c.side.lang, c.start, c.end, c.text, p, v, inner=c.inner))
    return out


def score_candidates(cands: Sequence[Candidate], other: Side, encoder,
                     centre: float, scale: float = 1.0) -> list[Omission]:
    """Weigh the candidates of one side against the other side (all of :data:`FEATURES`).

    Args:
        cands: candidates of one side (:func:`candidates`).
        other: the other side.
        encoder: sentence encoder.
        centre: the document's usual log length ratio (:mod:`align.qa.length`).
        scale: the document's spread of length z-scores (:func:`document_norm`).

    Returns:
        One :class:`Omission` per candidate, whatever its confidence.
    """
    if not cands:
        return []
    return _weigh([_Job(list(cands), other, centre, scale)], encoder, None)[0]


def reportable(o: Omission, threshold: float = REPORT_AT) -> bool:
    """Whether a weighed span is reported: confident enough, or a whole side
    facing a near-empty one (:func:`whole_side`)."""
    return o.whole or o.confidence >= threshold


#: A side with at most this many content units is near-empty ...
NEAR_EMPTY = 2
#: ... and the other side, with at least this many units, of which at most
#: WHOLE_MATCHED are matched, is reported whole (:func:`whole_side`).
WHOLE_UNITS = 6
WHOLE_MATCHED = 0.4


def whole_side(side: Side, other: Side) -> Omission | None:
    """The whole of ``side`` when the other side is near-empty and ``side`` is not.

    A candidate must leave some of its side (the rest is what the deletion test
    and the rest's matched share weigh), so a bead whose one side lost all but
    a word or two ("Or higher." against a whole sentence) has no candidate.
    When the other side keeps at most :data:`NEAR_EMPTY` content units while
    this side has :data:`WHOLE_UNITS` or more, at most :data:`WHOLE_MATCHED`
    of them matched, this side is reported from its first to its last clause
    with an unmatched unit; the confidence is its unmatched share.
    """
    units, hit = side.count(0, len(side.clauses))
    other_units, _ = other.count(0, len(other.clauses))
    if other_units > NEAR_EMPTY or units < WHOLE_UNITS or hit > WHOLE_MATCHED * units:
        return None
    open_ = [k for k, m in enumerate(side.matched) if m and not all(m)]
    if not open_:
        return None
    run = Candidate(side, open_[0], open_[-1] + 1, units, hit, 0, 0)
    return Omission(side.lang, run.start, run.end, run.text, 1 - hit / units, whole=True)


def bead_jobs(en_text: str, zh_text: str, centre: float, scale: float = 1.0
              ) -> tuple[list[Omission], list[_Job]]:
    """What one bead needs weighed: the whole sides reported as they are
    (:func:`whole_side`), and one job per side's candidates and per inner run."""
    en, zh = align_sides(en_text, zh_text)
    wholes: list[Omission] = []
    jobs: list[_Job] = []
    for side, other in ((en, zh), (zh, en)):
        whole = whole_side(side, other)
        if whole is not None:
            wholes.append(whole)
            continue
        cands = candidates(side)
        if cands:
            jobs.append(_Job(cands, other, centre, scale))
        jobs += [_Job([cand], other, centre, scale) for cand in (inner_candidates(side) if INNER_RUNS else ())]
    return wholes, jobs


def best_per_side(weighed: Iterable[Omission], threshold: float = REPORT_AT) -> list[Omission]:
    """The most confident :func:`reportable` span of each side (English first)."""
    best: dict[Lang, Omission] = {}
    for o in weighed:
        if reportable(o, threshold) and (o.only_in not in best or _rank(o) > _rank(best[o.only_in])):
            best[o.only_in] = o
    return [best[lang] for lang in ("en", "zh") if lang in best]


def find_many(beads: Sequence[tuple[str, str, float]], encoder,
              threshold: float | None = None, scale: float = 1.0) -> list[list[Omission]]:
    """:func:`find_omissions` for many beads at once, ``(en_text, zh_text, centre)`` each,
    of one document (length spread ``scale``).

    The texts of all the beads go to the encoder together (two calls), so that
    it runs full batches; a candidate's rest is embedded only when it could be
    reported (:func:`_may_report`). Same result as one bead at a time.
    """
    threshold = REPORT_AT if threshold is None else threshold
    jobs: list[_Job] = []
    owner: list[int] = []
    out: list[list[Omission]] = []
    for b, (en_text, zh_text, centre) in enumerate(beads):
        wholes, more = bead_jobs(en_text, zh_text, centre, scale)
        out.append(wholes)
        jobs += more
        owner += [b] * len(more)
    weighed: list[list[Omission]] = [[] for _ in beads]
    for b, found in zip(owner, _weigh(jobs, encoder, threshold), strict=True):
        weighed[b] += found
    for b, found in enumerate(weighed):
        out[b] += best_per_side(found, threshold)
    return out


def _rank(o: Omission) -> tuple[float, int]:
    return o.confidence, o.end - o.start


def find_omissions(en_text: str, zh_text: str, encoder, centre: float | None = None,
                   threshold: float | None = None, scale: float = 1.0) -> list[Omission]:
    """The spans of a bead's sides that have no counterpart on the other side.

    Args:
        en_text: English side of the bead.
        zh_text: Chinese side.
        encoder: sentence encoder for the embedding tests.
        centre: the document's median log length ratio (:mod:`align.qa.length`;
            default its pooled mean).
        threshold: the confidence to report (default :data:`REPORT_AT`).
        scale: the document's spread of length z-scores (:func:`document_norm`;
            1 is MAC-Dev's).

    Returns:
        At most one omission per side, the most confident at or above the threshold.
    """
    from .length import MEAN

    return find_many([(en_text, zh_text, MEAN if centre is None else centre)], encoder, threshold,
                     scale)[0]


# --- the check ---------------------------------------------------------------------


def _line_at(sentences, offset: int, joiner: str) -> int:
    """The line of the sentence of a bead side in which ``offset`` falls."""
    pos = 0
    for s in sentences:
        pos += len(s.text) + len(joiner)
        if offset < pos:
            return s.line
    return sentences[-1].line


def _message(o: Omission) -> str:
    side = "English" if o.only_in == "en" else "Chinese"
    other = "Chinese" if o.only_in == "en" else "English"
    text = o.text if len(o.text) <= 80 else o.text[:77] + "..."
    return f"only in the {side}, not in the {other}: \u201c{text}\u201d (confidence {o.confidence:.2f})"


def document_norm(beads: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """A document's length norm as the ``length`` check takes it: the median log
    ratio of its beads (``(en_text, zh_text)``, the 1-1 ones) and the spread of
    their z-scores (:func:`align.qa.length.document_scale`).
    """
    from statistics import median

    from .length import MEAN, MIN_BEADS, MIN_EN_WORDS, document_scale, en_words, log_ratio, sd_at

    usable = [(en_words(en), log_ratio(zh, en)) for en, zh in beads if en_words(en) >= MIN_EN_WORDS]
    centre = median(r for _, r in usable) if len(usable) >= MIN_BEADS else MEAN
    return centre, document_scale([(r - centre) / sd_at(n) for n, r in usable])


def _findings(p: Pair, found: Sequence[Omission]) -> list[Finding]:
    """A bead's omissions as findings, with the line each span starts on."""
    out = []
    for o in found:
        sentences, joiner = (p.en, " ") if o.only_in == "en" else (p.zh, "")
        line = _line_at(sentences, o.start, joiner)
        f = p.finding(NAME, _message(o), "error" if o.confidence >= ERROR_AT else "warning",
                      en_line=line if o.only_in == "en" else None,
                      zh_line=line if o.only_in == "zh" else None)
        out.append(replace(f, only_in=o.only_in, span=(o.start, o.end), span_text=o.text,
                           confidence=round(o.confidence, 3)))
    return out


#: At most this share of a document's beads is reported, the most confident
#: (:func:`document_cutoff`), in documents of :data:`CAP_MIN_BEADS` beads or more.
CAP = 0.05
CAP_MIN_BEADS = 20


def document_cutoff(confidences: Sequence[float], beads: int) -> float:
    """The confidence a document's findings need, so that at most :data:`CAP`
    of its beads are reported (0 when fewer are found anyway).

    In a free translation (MAC-Dev's novels) one bead in five has a clause that
    no dictionary link and no clause vector explains; a close translation has
    about one in a hundred. Where more than one bead in twenty would be
    flagged, only the most confident twentieth are: the document's own norm
    decides what stands out, as the ``length`` check divides by its spread.

    Args:
        confidences: the highest confidence of each bead with an omission.
        beads: the number of beads in the document.
    """
    keep = int(CAP * beads)
    if beads < CAP_MIN_BEADS or len(confidences) <= keep:
        return 0.0
    return sorted(confidences, reverse=True)[keep - 1] if keep else math.inf


#: Beads weighed together: one pair of encoder calls each, and a bound on the
#: vectors held at once (about 14 texts a bead).
BLOCK = 256


class OmissionCheck:
    """The clause of one side of a bead that the other side leaves out."""

    name = NAME
    description = "a clause, qualifier, number or name of one side with no counterpart (span)"

    def __init__(self, encoder=None) -> None:
        self._encoder = encoder

    def check(self, alignment: Alignment) -> list[Finding]:
        encoder = self._encoder
        if encoder is None:
            from ..encoders import get_encoder

            encoder = self._encoder = get_encoder()
        beads = list(pairs(alignment))
        centre, scale = document_norm([(p.en_text, p.zh_text) for p in beads
                                       if len(p.en) == len(p.zh) == 1])
        found: list[list[Omission]] = []
        for start in range(0, len(beads), BLOCK):
            found += find_many([(p.en_text, p.zh_text, centre) for p in beads[start:start + BLOCK]],
                               encoder, scale=scale)
        cut = document_cutoff([max(o.confidence for o in f) for f in found if f], len(beads))
        return [f for p, omissions in zip(beads, found, strict=True)
                for f in _findings(p, [o for o in omissions if o.confidence >= cut])]


def merge_numbers(findings: list[Finding], alignment: Alignment) -> list[Finding]:
    """Report a dropped figure once: inside an omission span, not also as ``numbers``.

    A ``numbers`` finding is dropped when the bead has an omission finding and
    every figure the numbers check leaves unmatched in that bead lies inside the
    omission span on its side; the omission finding then names the figures and
    becomes an ``error`` (the severity of ``numbers``).

    Args:
        findings: the findings of all checks run.
        alignment: the alignment they were found in.

    Returns:
        The findings, merged.
    """
    from .numbers import quantity_text, unmatched

    spans = {(f.bead, f.only_in): f for f in findings if f.check == NAME and f.span}
    if not spans:
        return findings
    beads = {p.bead: p for p in pairs(alignment)}
    drop: set[int] = set()
    changed: dict[int, Finding] = {}
    for k, f in enumerate(findings):
        if f.check != "numbers" or f.bead not in beads:
            continue
        p = beads[f.bead]
        only_en, only_zh = unmatched(p.en_text, p.zh_text)
        sides: tuple[tuple[Lang, list, list], ...] = (("en", only_en, only_zh), ("zh", only_zh, only_en))
        for lang, mine, theirs in sides:
            o = spans.get((f.bead, lang))
            if o is None or theirs or not mine or o.span is None:
                continue
            if all(o.span[0] <= q.start < o.span[1] for q in mine):
                drop.add(k)
                changed[id(o)] = replace(o, severity="error", message=o.message.replace(
                    " (confidence", f"; includes the figure(s) {', '.join(quantity_text(q) for q in mine)}"
                    " (confidence", 1))
    return [changed.get(id(f), f) for k, f in enumerate(findings) if k not in drop]
