"""Scoring an alignment against gold beads (see docs/evaluation.md).

Beads are ``(src, tgt)`` pairs of sentence-position tuples, src side first as in
the files (MAC's gold is Chinese-first). Every metric is computed from a few
counts (:class:`Counts`) so that files pool by summing counts (micro-average),
as Vecalign's ``score_multiple`` does.

- **strict** (Vecalign ``score.py``): precision = test beads identical to a gold
  bead / all test beads, null beads included; recall = gold beads with both sides
  non-empty that appear identically in the test / all such gold beads.
- **mac** (bfsujason/aligner-eval ``eval.py``, the published MAC tables): the same
  precision; recall = gold beads found identically / all gold beads, null beads
  included.
- **lax**: a non-null bead counts if it shares at least one sentence on each side
  with one bead of the other alignment; a null bead counts if it shares a sentence
  with a null bead of the other alignment that is empty on the same side.
  Precision over all test beads, recall over gold beads with both sides non-empty
  (as Vecalign).
- **null**: test null beads identical to a gold null bead / all test null beads,
  and / all gold null beads.

Beads empty on both sides are ignored and duplicates count once (Vecalign turns
both lists into sets). A ratio with a zero denominator is 0.0 for strict, mac and
lax (Vecalign's ``value_for_div_by_0``) and None ("n/a") for null: with no gold
null bead there is no null recall to measure, with no test null bead no null
precision (a perfect 1.0 there would hide that nothing was measured).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, astuple, dataclass
from pathlib import Path

from .beadfile import BeadPair, is_intertext_links, read_beads, read_intertext, read_result_json
from .errors import InputError
from .models import Lang


@dataclass(frozen=True)
class Counts:
    """The counts every metric is computed from; they add up across files.

    Attributes:
        test: distinct test beads (not empty on both sides).
        test_null: of which null (one side empty).
        gold: distinct gold beads.
        gold_null: of which null.
        exact: test beads identical to a gold bead.
        exact_null: of which null.
        lax_test: test beads that match a gold bead laxly (exact ones included).
        lax_gold: gold beads with both sides non-empty that match a test bead laxly.
    """

    test: int = 0
    test_null: int = 0
    gold: int = 0
    gold_null: int = 0
    exact: int = 0
    exact_null: int = 0
    lax_test: int = 0
    lax_gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class PRF:
    """Precision, recall and their harmonic mean (F1 is 0.0 when both are 0).

    A value is None when it cannot be measured (a null-bead ratio whose
    denominator is 0); F1 is then None too.
    """

    precision: float | None
    recall: float | None
    f1: float | None

    @classmethod
    def of(cls, hits_p: int, n_p: int, hits_r: int, n_r: int, *, zero: float | None) -> PRF:
        """Build from counts; ``zero`` is the value of a ratio whose denominator is 0."""
        p = hits_p / n_p if n_p else zero
        r = hits_r / n_r if n_r else zero
        if p is None or r is None:
            return cls(p, r, None)
        return cls(p, r, 2 * p * r / (p + r) if p + r else 0.0)


@dataclass(frozen=True)
class Scores:
    """The scores of one file (or of several pooled).

    Attributes:
        name: the file's name stem, or ``"all"`` for pooled scores.
        counts: the counts the scores are computed from.
    """

    name: str
    counts: Counts

    @property
    def strict(self) -> PRF:
        """Vecalign's strict P/R/F1 (recall over gold beads with both sides non-empty)."""
        c = self.counts
        return PRF.of(c.exact, c.test, c.exact - c.exact_null, c.gold - c.gold_null, zero=0.0)

    @property
    def mac(self) -> PRF:
        """aligner-eval's variant (recall over all gold beads, null ones included)."""
        c = self.counts
        return PRF.of(c.exact, c.test, c.exact, c.gold, zero=0.0)

    @property
    def lax(self) -> PRF:
        """Lax P/R/F1 (a shared sentence on each side is enough)."""
        c = self.counts
        return PRF.of(c.lax_test, c.test, c.lax_gold, c.gold - c.gold_null, zero=0.0)

    @property
    def null(self) -> PRF:
        """Null-bead P/R/F1: how well 1-0 and 0-1 beads are found (None: nothing to measure)."""
        c = self.counts
        return PRF.of(c.exact_null, c.test_null, c.exact_null, c.gold_null, zero=None)

    def to_dict(self) -> dict:
        """The scores and counts as plain JSON-ready values."""
        return {
            "name": self.name,
            **{metric: asdict(getattr(self, metric)) for metric in ("strict", "mac", "lax", "null")},
            "counts": asdict(self.counts),
        }


def _beads(beads: Iterable[BeadPair]) -> set[BeadPair]:
    return {(tuple(src), tuple(tgt)) for src, tgt in beads if src or tgt}


class _LaxIndex:
    """Answers "does this bead share a sentence on each side with one of these beads?"."""

    def __init__(self, beads: Iterable[BeadPair]) -> None:
        self.links: set[tuple[int, int]] = set()
        self.null_src: set[int] = set()  # src sentences of beads with an empty tgt side
        self.null_tgt: set[int] = set()  # tgt sentences of beads with an empty src side
        for src, tgt in beads:
            if src and tgt:
                self.links.update((s, t) for s in src for t in tgt)
            else:
                self.null_src.update(src)
                self.null_tgt.update(tgt)

    def matches(self, bead: BeadPair) -> bool:
        src, tgt = bead
        if src and tgt:
            return any((s, t) in self.links for s in src for t in tgt)
        if src:
            return not self.null_src.isdisjoint(src)
        return not self.null_tgt.isdisjoint(tgt)


def count(gold: Iterable[BeadPair], test: Iterable[BeadPair]) -> Counts:
    """Count what the metrics need for one pair of alignments.

    Args:
        gold: gold ``(src, tgt)`` beads.
        test: test beads, same side order.

    Returns:
        The :class:`Counts`.
    """
    gold_set, test_set = _beads(gold), _beads(test)
    exact = gold_set & test_set
    gold_index, test_index = _LaxIndex(gold_set), _LaxIndex(test_set)
    return Counts(
        test=len(test_set),
        test_null=sum(1 for s, t in test_set if not (s and t)),
        gold=len(gold_set),
        gold_null=sum(1 for s, t in gold_set if not (s and t)),
        exact=len(exact),
        exact_null=sum(1 for s, t in exact if not (s and t)),
        lax_test=sum(1 for bead in test_set if gold_index.matches(bead)),
        lax_gold=sum(1 for bead in gold_set if bead[0] and bead[1] and test_index.matches(bead)),
    )


def score(gold: Iterable[BeadPair], test: Iterable[BeadPair], *, name: str = "") -> Scores:
    """Score one test alignment against its gold.

    Args:
        gold: gold ``(src, tgt)`` beads.
        test: test beads, same side order.
        name: a label for the result (e.g. the file name stem).

    Returns:
        The :class:`Scores`.
    """
    return Scores(name, count(gold, test))


def pool(scores: Iterable[Scores], *, name: str = "all") -> Scores:
    """Micro-average: the scores of the summed counts (not the mean of the F1s)."""
    return Scores(name, sum((s.counts for s in scores), Counts()))


@dataclass(frozen=True)
class Evaluation:
    """Per-file scores and their pooled scores.

    Attributes:
        files: one :class:`Scores` per gold file, sorted by name.
        pooled: the micro-average over ``files``, named ``"all"``.
        src_lang: the language of the first side of the beads.
        warnings: what was left out, e.g. test files with no gold partner
            (the library never prints them).
    """

    files: list[Scores]
    pooled: Scores
    src_lang: Lang
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain JSON-ready values: ``{"src_lang", "files": [...], "all": {...}, "warnings"}``."""
        return {
            "src_lang": self.src_lang,
            "files": [s.to_dict() for s in self.files],
            "all": self.pooled.to_dict(),
            "warnings": list(self.warnings),
        }


def load_alignment(path: str | os.PathLike, *, src_lang: Lang = "zh") -> list[BeadPair]:
    """Read a gold or test alignment file, choosing the format by its suffix.

    ``.json``: an ``align`` JSON result; ``.xml``: an InterText link file (with its
    two sentence files beside it); anything else: a bead file (``[i,j]:[k]``).

    Args:
        path: the file.
        src_lang: the language of the first side of bead files; JSON results and
            InterText files, whose languages are known, are turned to that order.

    Returns:
        ``(src, tgt)`` beads.

    Raises:
        InputError: the file is missing or malformed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_result_json(path, src_lang=src_lang)
    if suffix == ".xml":
        return read_intertext(path, src_lang=src_lang)
    return read_beads(path)


def _alignment_files(folder: Path) -> dict[str, Path]:
    """The alignment files of a folder by name stem (InterText sentence files skipped)."""
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() == ".xml" and not is_intertext_links(path):
            continue
        if path.stem in files:
            raise InputError(f"{folder}: {files[path.stem].name} and {path.name} have the same name stem")
        files[path.stem] = path
    if not files:
        raise InputError(f"{folder}: no alignment files in this folder")
    return files


def pair_files(gold: str | os.PathLike, test: str | os.PathLike,
               warnings: list[str] | None = None) -> list[tuple[str, Path, Path]]:
    """Match gold and test files: two files, or two folders matched by file name stem.

    ``gold/001.align`` pairs with ``test/001.align`` or ``test/001.json``. Test
    files without a gold partner (a ``score.json`` beside the results, say)
    are left out, each with a warning.

    Args:
        gold: a gold file or folder.
        test: a test file or folder.
        warnings: where to add a warning per test file left out.

    Returns:
        ``(name, gold_path, test_path)`` sorted by name.

    Raises:
        InputError: a path is missing, one is a file and the other a folder, or a
            gold file has no test partner (all of them are listed).
    """
    gold, test = Path(gold), Path(test)
    for label, path in (("gold", gold), ("test", test)):
        if not path.exists():
            raise InputError(f"{label} {path}: no such file or folder")
    if gold.is_dir() != test.is_dir():
        raise InputError(f"give two files or two folders: gold {gold} and test {test} are not alike")
    if not gold.is_dir():
        return [(gold.stem, gold, test)]
    gold_files, test_files = _alignment_files(gold), _alignment_files(test)
    if missing := sorted(gold_files.keys() - test_files.keys()):
        raise InputError(f"no test file in {test} for gold {', '.join(missing)}")
    if warnings is not None:
        warnings += [f"{path}: no gold file in {gold} of that name; left out"
                     for stem, path in test_files.items() if stem not in gold_files]
    return [(name, gold_files[name], test_files[name]) for name in sorted(gold_files)]


def evaluate(gold: str | os.PathLike, test: str | os.PathLike, *,
             src_lang: Lang = "zh") -> Evaluation:
    """Score TEST against GOLD, per file and pooled.

    Args:
        gold: a gold alignment file or a folder of them.
        test: a test alignment file or a folder (matched by file name stem).
        src_lang: the language of the first side of the bead files (MAC: ``"zh"``).

    Returns:
        The :class:`Evaluation`.

    Raises:
        InputError: see :func:`pair_files` and :func:`load_alignment`.
    """
    warnings: list[str] = []
    files = [
        score(load_alignment(g, src_lang=src_lang), load_alignment(t, src_lang=src_lang), name=name)
        for name, g, t in pair_files(gold, test, warnings)
    ]
    return Evaluation(files, pool(files), src_lang, tuple(warnings))

