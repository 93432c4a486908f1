"""Omission detection: text present in only one language, with a confidence.

A stage of its own after alignment (see docs/aligner.md, "Omission detection"):

1. :func:`pair_facing`: a one-unit gap facing a one-unit gap of the other language
   is a pair the encoder could not match (same section number, or not clearly
   unrelated), not two omissions.
2. :func:`take_out_absorbed`: a unit the aligner merged into a neighbour's bead,
   although the bead matches better without it (:func:`absorbed_units`), is
   taken out into a null bead.
3. :func:`gaps_from_beads`: null paragraph beads become paragraph gaps, runs of
   null sentence beads inside aligned paragraphs sentence gaps; text without a
   letter (:func:`translatable`) never.

A gap's confidence is the posterior probability that the unit has *no*
translation nearby: ``N0(s) / (N0(s) + N1(s))`` (equal priors) for the unit's
best cosine ``s`` with the other side's units near its place, where both normal
models (:class:`align.core.CosineModel`) are fitted on the document itself by
:func:`nearby_model`: translated pairs are the 1-1 beads' cosines, unrelated
ones the best cosines of the same units with the units around their partner.
Everything here is pure: arrays and beads in, beads and gaps out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .core import CosineModel
from .lexical import WordIds
from .models import GAP_ORDERS, Bead, Document, Gap, Lang, Paragraph

#: ``parts(lang, units)``: the vectors of the runs of clauses of those units of
#: ``lang`` joined (:meth:`align.embed.Embedded.clauses`). A unit that its
#: bead's whole other side does not explain is judged again by its best cosine
#: with these, and keeps the lower confidence (see :class:`DetectorConfig`).
Parts = Callable[[Lang, Sequence[int]], np.ndarray]


def best_nearby(v: np.ndarray, others: np.ndarray, centre: int, radius: int) -> float:
    """Best cosine of ``v`` with ``others[centre - radius : centre + radius]``."""
    lo, hi = max(0, centre - radius), min(len(others), centre + radius)
    if hi <= lo:
        return -1.0
    return float((others[lo:hi] @ v).max())


_LETTER = re.compile(r"[^\W\d_]")


def translatable(text: str) -> bool:
    """Whether ``text`` has anything to translate: a letter of any script.

    Punctuation, numbers and footnote marks alone ("[44]", "*", ", ,") are
    never reported as gaps: a translation may attach them to a neighbour.
    """
    return bool(_LETTER.search(text))


def ranked(gaps: Sequence[Gap], order: str = "document") -> list[Gap]:
    """The gaps in document order (English first, then Chinese, by line) or
    most certain first (``"confidence"``; ties in document order).

    Raises:
        ValueError: an order not in :data:`align.models.GAP_ORDERS`.
    """
    if order not in GAP_ORDERS:
        raise ValueError(f"order must be one of {', '.join(GAP_ORDERS)}, not {order!r}")
    if order == "confidence":
        return sorted(gaps, key=lambda g: -g.confidence)
    return list(gaps)


def sentence_gaps(doc: Document, lang: Lang, indices: Sequence[int], confidence: float) -> Gap:
    """One gap over consecutive sentences of ``doc``."""
    sents = [doc.sentences[k] for k in indices]
    paragraphs = tuple(dict.fromkeys(s.paragraph for s in sents))
    joiner = "" if lang == "zh" else " "
    kind = doc.paragraphs[paragraphs[0]].kind
    return Gap("sentence", lang, paragraphs, tuple(indices), sents[0].line, sents[-1].end_line,
               joiner.join(s.text for s in sents), round(confidence, 4), kind, sents[0].location)


def paragraph_gap(doc: Document, lang: Lang, index: int, confidence: float) -> Gap:
    """A gap over one whole paragraph of ``doc``."""
    p = doc.paragraphs[index]
    return Gap("paragraph", lang, (index,), tuple(s.index for s in p.sentences), p.line, p.end_line,
               p.text, round(confidence, 4), p.kind, p.location)


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of the omission detector at one level (see :func:`absorbed_units`).

    Attributes:
        min_len: the least English and Chinese length (characters, no spaces) of
            a unit tested for being absorbed.
        threshold: the least confidence at which an absorbed unit is taken out.
        lexical: use dictionary/name/number overlap as evidence against absorption.
        max_shared: that many shared words explain a unit.
        overrule: the probability of being unrelated that overrules the length
            test (None: never).
        clauses: a unit must also look unrelated to each run of clauses of the
            bead's other side, not only to its whole units: a short sentence that
            renders one clause of a long one is translated, not absorbed (its
            cosine with the whole is low because the whole says more).
    """

    min_len: tuple[float, float] = (25.0, 10.0)
    threshold: float = 0.0
    lexical: bool = False
    max_shared: int = 3
    overrule: float | None = None
    clauses: bool = False

    def signature(self) -> str:
        lex = f"+lex{self.max_shared}" if self.lexical else ""
        over = f"+or{self.overrule:g}" if self.overrule is not None else ""
        clauses = "+clauses" if self.clauses else ""
        return f"{self.min_len[0]:g}/{self.min_len[1]:g}@{self.threshold:g}{lex}{over}{clauses}"


#: Paragraphs: every edge unit that passes the tests; an unrelated-looking unit
#: (probability 0.5) passes without the length test (measured on maint-guide HTML).
PARAGRAPH_DETECTOR = DetectorConfig(overrule=0.5)
#: Sentences: loose literary translation merges many units legitimately, so a
#: sentence must also share fewer than 3 dictionary words with its bead's other
#: side and reach confidence 0.95 (chosen on MAC-Dev 001-003 planted deletions,
#: checked on 004-006: docs/aligner.md, "Omission detection").
SENTENCE_DETECTOR = DetectorConfig(min_len=(15.0, 6.0), threshold=0.95, lexical=True, max_shared=3, clauses=True)


@dataclass(frozen=True)
class Absorbed:
    """A unit of a multi-unit bead that the rest of the bead explains without it.

    Attributes:
        bead: index of the bead in the list tested.
        lang: the unit's language.
        unit: the unit's index in its document.
        confidence: probability that it has no counterpart (see :func:`absorbed_units`).
    """

    bead: int
    lang: Lang
    unit: int
    confidence: float


def _unit_sum(vecs: np.ndarray, units: Sequence[int]) -> np.ndarray:
    v = vecs[list(units)].sum(axis=0) if units else np.zeros(vecs.shape[1], vecs.dtype)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def absorbed_units(beads: Sequence[Bead], en_vecs: np.ndarray, zh_vecs: np.ndarray,
                   model: CosineModel, en_len: np.ndarray, zh_len: np.ndarray, *,
                   min_len: tuple[float, float] = (25.0, 10.0),
                   lexical: tuple[WordIds, WordIds] | None = None,
                   max_shared: int = 2, quotes: tuple[np.ndarray, np.ndarray] | None = None,
                   overrule: float | None = None, parts: Parts | None = None,
                   recheck_at: float = 0.0) -> list[Absorbed]:
    """Units at the edge of a multi-unit bead that have no counterpart in it.

    The aligner may merge an orphan into a neighbour's bead (a 2-1 bead in place
    of a 1-1 bead and a gap) because the mean vector of the merged side still
    looks like its counterpart. An edge unit ``u`` of a side with two or more
    units is absorbed when three signals agree:

    - **leave-one-out**: the bead matches better without ``u`` (the cosine of
      the side's mean vector with the other side's mean rises). For ``u`` truly
      part of the translation it falls;
    - **length**: without ``u`` the bead's length ratio is closer to the
      document's (a translated unit brings its share of the other side's length),
      unless ``u``'s own match is unrelated text with probability ``overrule``
      or more (lengths mislead where code and commands stay untranslated);
    - ``u`` is long enough for its vector to mean something (``min_len``
      characters, English and Chinese, without spaces): short labels and cells
      are what the encoder cannot match.

    The confidence is the document's :class:`~align.core.CosineModel` posterior
    that ``u``'s best cosine with the bead's other side comes from unrelated
    text, raised by the leave-one-out gain (see docs/aligner.md). Peeling repeats on
    the new edge, so two orphans in a row are both found; one unit always stays.

    Args:
        beads: the alignment at one level (paragraph or sentence beads).
        en_vecs, zh_vecs: unit vectors of that level, indexed like the beads.
        model: the translated/unrelated cosine model of that level.
        en_len, zh_len: unit lengths in characters (spaces excluded).
        min_len: the least English and Chinese length of a unit to test.
        lexical: (English, Chinese) bags of words of the units
            (:class:`align.lexical.WordIds`); a unit that shares ``max_shared`` or
            more dictionary words, names or numbers with the other side of its
            bead is explained by it, whatever the vectors say.
        overrule: see **length** above; None: the length test always applies.
        quotes: (English, Chinese) booleans, whether a quotation is open after
            each unit (:func:`align.text.quote_states`): a unit is not taken out
            when the rest of its bead would then end inside an English
            quotation with the Chinese one closed (the aligner's own rule).
        parts, recheck_at: a unit confident from ``recheck_at`` on must also look
            unrelated to each clause of the other side (:data:`Parts`; None: no).
    """
    config = DetectorConfig(min_len=min_len, lexical=lexical is not None, max_shared=max_shared, overrule=overrule,
                            clauses=parts is not None)
    test = _edge_test({"en": en_vecs, "zh": zh_vecs}, (en_len, zh_len), model, config, lexical, quotes,
                      _once(parts) if parts is not None else None, recheck_at)
    out: list[Absorbed] = []
    for k, bead in enumerate(beads):
        if bead.is_gap or len(bead.en) + len(bead.zh) < 3:
            continue
        out += _peeled(test, k, bead)
    return out


def _once(parts: Parts) -> Parts:
    """``parts`` made once per side of a bead (both its edges, and each unit peeled
    in turn, are tested against the same other side)."""
    made: dict[tuple[Lang, tuple[int, ...]], np.ndarray] = {}

    def cached(lang: Lang, units: Sequence[int]) -> np.ndarray:
        key = (lang, tuple(units))
        if key not in made:
            made[key] = parts(lang, units)
        return made[key]
    return cached


def _peeled(test: _EdgeTest, k: int, bead: Bead) -> list[Absorbed]:
    """The absorbed units of bead ``k``: each side's edges tested and peeled off
    in turn (English side first), one unit always staying."""
    out: list[Absorbed] = []
    sides: tuple[tuple[Lang, Lang], ...] = (("en", "zh"), ("zh", "en"))
    for lang, other in sides:
        units, theirs = list(getattr(bead, lang)), list(getattr(bead, other))
        while len(units) > 1:
            scored = [(test(lang, other, units, theirs, u), u) for u in dict.fromkeys((units[0], units[-1]))]
            found = max(((p, u) for p, u in scored if p is not None), default=None)
            if found is None:
                break
            out.append(Absorbed(k, lang, found[1], round(found[0], 4)))
            units.remove(found[1])
    return out


@dataclass(frozen=True)
class _EdgeTest:
    """The tests of :func:`absorbed_units` for one unit at the edge of its side."""

    vecs: dict[str, np.ndarray]
    lens: dict[str, np.ndarray]
    model: CosineModel
    ratio: float
    least: dict[str, float]
    overrule: float | None
    bags: dict[str, WordIds] | None
    max_shared: int
    quotes: tuple[np.ndarray, np.ndarray] | None
    parts: Parts | None = None
    recheck_at: float = 0.0

    def off(self, lang: str, mine: list[int], theirs: list[int]) -> float:
        """How far the length ratio of ``mine`` against ``theirs`` is from the document's."""
        other = "zh" if lang == "en" else "en"
        lengths = {lang: float(self.lens[lang][mine].sum()), other: float(self.lens[other][theirs].sum())}
        return abs(float(np.log(max(lengths["en"], 1.0) / max(lengths["zh"], 1.0) / self.ratio)))

    def plausible(self, lang: str, other: str, units: list[int], theirs: list[int], u: int) -> bool:
        """Whether ``u`` passes the tests that read no vector: it is long enough,
        the length test (unless the vectors may overrule it), the quotation
        rule and the lexical overlap."""
        rest = [v for v in units if v != u]
        if self.lens[lang][u] < self.least[lang]:
            return False
        if self.overrule is None and self.off(lang, rest, theirs) >= self.off(lang, units, theirs):
            return False
        if self.quotes is not None:
            ends = {lang: rest[-1], other: theirs[-1]}
            if self.quotes[0][ends["en"]] and not self.quotes[1][ends["zh"]]:
                return False
        if self.bags is not None and self.bags[lang].shared(u, self.bags[other], theirs) >= self.max_shared:
            return False
        return True

    def __call__(self, lang: Lang, other: Lang, units: list[int], theirs: list[int], u: int) -> float | None:
        """``u``'s confidence of being absorbed, or None when a test fails."""
        if not self.plausible(lang, other, units, theirs, u):
            return None
        rest = [v for v in units if v != u]
        target = _unit_sum(self.vecs[other], theirs)
        gain = float((_unit_sum(self.vecs[lang], rest) - _unit_sum(self.vecs[lang], units)) @ target)
        if gain <= 0:
            return None
        mine = self.vecs[lang][u]
        p_unrelated = self.model.p_unrelated(float((self.vecs[other][theirs] @ mine).max()))
        if self.overrule is not None and p_unrelated < self.overrule and \
                self.off(lang, rest, theirs) >= self.off(lang, units, theirs):
            return None
        confidence = 1.0 - (1.0 - p_unrelated) * float(np.exp(-gain / 0.02))
        if self.parts is not None and confidence >= self.recheck_at:
            # A unit that renders one clause of a longer unit has a low cosine with
            # the whole, which says more, and taking it out raises the bead's: so
            # its best cosine with a clause of the other side must say unrelated too.
            clauses = self.parts(other, theirs)
            if len(clauses):
                confidence = min(confidence, self.model.p_unrelated(float((clauses @ mine).max())))
        return confidence


def _edge_test(vecs: dict[str, np.ndarray], lens: tuple[np.ndarray, np.ndarray], model: CosineModel,
               config: DetectorConfig, lexical: tuple[WordIds, WordIds] | None,
               quotes: tuple[np.ndarray, np.ndarray] | None, parts: Parts | None = None,
               recheck_at: float = 0.0) -> _EdgeTest:
    """The :class:`_EdgeTest` of ``config`` (its ``lexical`` bags used when
    ``config.lexical``) on (English, Chinese) lengths ``lens``."""
    en_len, zh_len = lens
    bags = {"en": lexical[0], "zh": lexical[1]} if lexical is not None and config.lexical else None
    return _EdgeTest(vecs, {"en": en_len, "zh": zh_len}, model,
                     float(np.sum(en_len)) / max(float(np.sum(zh_len)), 1.0),
                     {"en": config.min_len[0], "zh": config.min_len[1]}, config.overrule,
                     bags, config.max_shared, quotes, parts if config.clauses else None, recheck_at)


def split_absorbed(beads: Sequence[Bead], absorbed: Sequence[Absorbed]) -> list[Bead]:
    """The beads with every absorbed unit taken out into a null bead of its own,
    in document order (an absorbed unit is at an edge of its side)."""
    by_bead: dict[int, list[Absorbed]] = {}
    for a in absorbed:
        by_bead.setdefault(a.bead, []).append(a)
    out: list[Bead] = []
    for k, bead in enumerate(beads):
        if k not in by_bead:
            out.append(bead)
            continue
        cut = {(a.lang, a.unit) for a in by_bead[k]}
        en = tuple(u for u in bead.en if ("en", u) not in cut)
        zh = tuple(u for u in bead.zh if ("zh", u) not in cut)
        before = [Bead((u,), ()) for u in bead.en if ("en", u) in cut and u < en[0]] + \
                 [Bead((), (u,)) for u in bead.zh if ("zh", u) in cut and u < zh[0]]
        after = [Bead((u,), ()) for u in bead.en if ("en", u) in cut and u > en[-1]] + \
                [Bead((), (u,)) for u in bead.zh if ("zh", u) in cut and u > zh[-1]]
        out += [*before, Bead(en, zh, bead.score), *after]
    return out


def take_out_absorbed(beads: Sequence[Bead], en_vecs: np.ndarray, zh_vecs: np.ndarray,
                      en_len: np.ndarray, zh_len: np.ndarray, config: DetectorConfig,
                      lexical: tuple[WordIds, WordIds] | None = None,
                      quotes: tuple[np.ndarray, np.ndarray] | None = None,
                      parts: Parts | None = None) -> list[Bead]:
    """The beads with every absorbed unit (:func:`absorbed_units`) at ``config``'s
    settings taken out into a null bead, which then becomes a gap (``parts``: the
    clause vectors that ``config.clauses`` reads)."""
    model = nearby_model(en_vecs, zh_vecs, beads)
    found = absorbed_units(beads, en_vecs, zh_vecs, model, en_len, zh_len, min_len=config.min_len,
                           lexical=lexical if config.lexical else None, max_shared=config.max_shared,
                           quotes=quotes, overrule=config.overrule,
                           parts=parts if config.clauses else None, recheck_at=config.threshold)
    return split_absorbed(beads, [a for a in found if a.confidence >= config.threshold])


_SECTION = re.compile(r"^\s*[(（]?(?:((?:\d+|[A-Z])(?:\.\d+)+)\.?|(\d{1,3})[.)）、])(?=\s|$|[^\d.])")
#: Paratext kinds that never face body text as its translation.
_NEVER_BODY = frozenset({"byline", "dateline", "credit"})


def section_number(text: str) -> str | None:
    """The leading section or list number of a unit ("1.4.5." -> "1.4.5"), or None."""
    match = _SECTION.match(text)
    return (match.group(1) or match.group(2)) if match else None


def same_structure(en: str, zh: str) -> bool:
    """Whether two units' texts carry the same section number (strong evidence
    that they are translations of each other, however loose the wording)."""
    number = section_number(en)
    return number is not None and number == section_number(zh)


def pair_facing(beads: Sequence[Bead], en_vecs: np.ndarray, zh_vecs: np.ndarray, model: CosineModel,
                en_len: np.ndarray, zh_len: np.ndarray, en_units: Sequence[Paragraph], zh_units: Sequence[Paragraph],
                *, min_len: tuple[float, float] = (25.0, 10.0), threshold: float = 0.95,
                max_length_ratio: float = 3.0) -> list[Bead]:
    """The beads with each one-unit gap that directly faces a one-unit gap of the
    other language turned into a 1-1 bead, unless the two are clearly unrelated.

    On real documentation a 1-0 bead next to a 0-1 bead is far more often a
    pair the encoder could not match (a freely translated heading, a label, a
    command against its description) than two omissions at the same place. The
    two are paired at once when they carry the same section number ("1.4.5."
    on both sides). Otherwise they stay two gaps when their lengths are
    ``max_length_ratio`` times or more apart from the document's ratio (a short
    heading facing a whole paragraph), when a byline, dateline or credit faces
    another kind of unit, or when both units are long enough to judge
    (``min_len`` characters) and their cosine is unrelated text with
    probability ``threshold`` or more.
    """
    ratio = float(np.sum(en_len)) / max(float(np.sum(zh_len)), 1.0)
    out: list[Bead] = []
    k = 0
    while k < len(beads):
        a = beads[k]
        b = beads[k + 1] if k + 1 < len(beads) else None
        if b is not None and a.is_gap and b.is_gap and len(a.en) + len(a.zh) == 1 \
                and len(b.en) + len(b.zh) == 1 and bool(a.en) != bool(b.en):
            e, z = (a.en or b.en)[0], (a.zh or b.zh)[0]
            cos = float(en_vecs[e] @ zh_vecs[z])
            long = en_len[e] >= min_len[0] and zh_len[z] >= min_len[1]
            kinds = {en_units[e].kind, zh_units[z].kind}
            plausible = abs(np.log(en_len[e] / max(zh_len[z], 1.0) / ratio)) <= np.log(max_length_ratio)
            compatible = plausible and (len(kinds) == 1 or not kinds & _NEVER_BODY)
            if same_structure(en_units[e].text, zh_units[z].text) or \
                    (compatible and not (long and model.p_unrelated(cos) >= threshold)):
                out.append(Bead((e,), (z,), round(cos, 4)))
                k += 2
                continue
        out.append(a)
        k += 1
    return out


def fit_model(x: np.ndarray, y: np.ndarray, beads: Sequence[Bead]) -> CosineModel:
    """The cosine model of one level: its 1-1 beads' cosines against random pairs."""
    one_to_one = [(b.en[0], b.zh[0]) for b in beads if len(b.en) == 1 and len(b.zh) == 1]
    return CosineModel.fit(x, y, np.array([float(x[i] @ y[j]) for i, j in one_to_one]))


#: A :func:`nearby_model` of a document with more than ``MODEL_BLOCKS *
#: MODEL_BLOCK`` units on its second side (Chinese) is fitted on the 1-1 beads
#: inside ``MODEL_BLOCKS`` blocks of ``MODEL_BLOCK`` consecutive units spread
#: evenly over it (:func:`model_blocks`): a mean and a spread need no more, and
#: the rows read are known before the alignment, so that a long text's gloss view
#: of them can be made meanwhile (:func:`model_rows`).
MODEL_BLOCKS = 20
MODEL_BLOCK = 80


def model_blocks(n: int) -> list[range]:
    """The blocks of units (of the second side, ``n`` of them) a cosine model reads:
    one block of all of them, or :data:`MODEL_BLOCKS` spread evenly."""
    if n <= MODEL_BLOCKS * MODEL_BLOCK:
        return [range(n)]
    starts = np.linspace(0, n - MODEL_BLOCK, MODEL_BLOCKS).round().astype(int)
    return [range(int(start), int(start) + MODEL_BLOCK) for start in starts]


def model_rows(n: int) -> list[int]:
    """The units of the second side that :func:`nearby_model` reads, whatever the beads."""
    return sorted({k for block in model_blocks(n) for k in block})


def model_pairs(beads: Sequence[Bead], n: int, radius: int = 3) -> list[tuple[int, int]]:
    """The ``(en, zh)`` units of the 1-1 beads a cosine model is fitted on (``n``
    units on the second side): all of them, or those inside the blocks of
    :func:`model_blocks`, ``radius`` units or more from a block's ends (their
    neighbours are in the block too)."""
    pairs = [(b.en[0], b.zh[0]) for b in beads if len(b.en) == 1 and len(b.zh) == 1]
    blocks = model_blocks(n)
    if len(blocks) == 1:
        return pairs
    inside = np.zeros(n, dtype=bool)
    for block in blocks:
        inside[block.start + radius:block.stop - radius] = True
    return [(i, j) for i, j in pairs if inside[j]]


def nearby_model(x: np.ndarray, y: np.ndarray, beads: Sequence[Bead], radius: int = 3) -> CosineModel:
    """The cosine model that a gap's confidence needs, fitted on the document.

    A gap unit is judged by its *best* cosine with the other side's units near
    its place, so the unrelated distribution is that of the same statistic for
    units whose translation is known and left out: for each 1-1 bead ``(i, j)``,
    the best cosine of ``i`` with the units within ``radius`` of ``j`` other
    than ``j`` (both directions). The translated distribution is that of the
    1-1 beads' own cosines. Neighbours in a text share its topic, so these
    best-nearby cosines sit far above random pairs' (technical documentation:
    about 0.45 against 0.0): a model fitted on random pairs calls many real
    orphans translated. Falls back to :func:`fit_model` with fewer than 5 beads.
    A long document's is fitted on a sample of them (:func:`model_pairs`).
    """
    pairs = model_pairs(beads, len(y), radius)
    if len(pairs) < 5:
        return fit_model(x, y, beads)
    own, near = [], []
    for i, j in pairs:
        own.append(float(x[i] @ y[j]))
        for mine, theirs, a, b in ((x, y, i, j), (y, x, j, i)):
            lo, hi = max(0, b - radius), min(len(theirs), b + radius + 1)
            cos = theirs[lo:hi] @ mine[a]
            cos[b - lo] = -1.0
            if hi - lo > 1:
                near.append(float(cos.max()))
    if len(near) < 5:
        return fit_model(x, y, beads)
    return CosineModel(float(np.median(own)), max(float(np.std(own)), 0.03),
                       float(np.mean(near)), max(float(np.std(near)), 0.03))


def detector_rows(beads: Sequence[Bead], en_len: np.ndarray, zh_len: np.ndarray, config: DetectorConfig,
                  lexical: tuple[WordIds, WordIds] | None = None,
                  quotes: tuple[np.ndarray, np.ndarray] | None = None, radius: int = 3) -> dict[Lang, set[int]]:
    """The units of each language whose vectors :func:`take_out_absorbed` reads
    on ``beads`` at ``config``'s settings: those of :func:`nearby_model`'s beads
    and their neighbours, and those of every bead with an edge unit that passes
    the tests needing no vector (length, lexical overlap, quotation).

    A caller that makes vectors on demand (the Chinese gloss view of a long
    text, :class:`align.embed.Embedded`) makes these only.
    """
    rows = _model_rows(beads, len(en_len), len(zh_len), radius)
    test = _edge_test({}, (en_len, zh_len), CosineModel(), config, lexical, quotes)
    sides: tuple[tuple[Lang, Lang], ...] = (("en", "zh"), ("zh", "en"))
    for bead in beads:
        if bead.is_gap or len(bead.en) + len(bead.zh) < 3:
            continue
        if any(test.plausible(lang, other, list(getattr(bead, lang)), list(getattr(bead, other)), u)
               for lang, other in sides if len(getattr(bead, lang)) > 1
               for u in {getattr(bead, lang)[0], getattr(bead, lang)[-1]}):
            rows["en"].update(bead.en)
            rows["zh"].update(bead.zh)
    return rows


def gap_rows(beads: Sequence[Bead], n_en: int, n_zh: int, radius: int = 3) -> dict[Lang, set[int]]:
    """The units of each language whose vectors :func:`gaps_from_beads` reads at
    sentence level: those of :func:`nearby_model`'s beads and their neighbours,
    the null beads' units, and the other side's units around each."""
    rows = _model_rows(beads, n_en, n_zh, radius)
    sizes: dict[Lang, int] = {"en": n_en, "zh": n_zh}
    sides: tuple[tuple[Lang, Lang], ...] = (("en", "zh"), ("zh", "en"))
    for lang, other in sides:
        pos = _positions(beads, lang, other)
        for b in beads:
            if b.is_gap:
                for k in getattr(b, lang):
                    rows[lang].add(k)
                    rows[other].update(range(max(0, pos[k] - radius), min(sizes[other], pos[k] + radius)))
    return rows


def _model_rows(beads: Sequence[Bead], n_en: int, n_zh: int, radius: int) -> dict[Lang, set[int]]:
    """The units :func:`nearby_model` reads: its pairs' and those within ``radius``."""
    rows: dict[Lang, set[int]] = {"en": set(), "zh": set()}
    for i, j in model_pairs(beads, n_zh, radius):
        rows["en"].update(range(max(0, i - radius), min(n_en, i + radius + 1)))
        rows["zh"].update(range(max(0, j - radius), min(n_zh, j + radius + 1)))
    return rows


def gaps_from_beads(en: Document, zh: Document, paragraph_beads: Sequence[Bead],
                    sentence_beads: Sequence[Bead], en_vecs: np.ndarray, zh_vecs: np.ndarray,
                    en_pvecs: np.ndarray, zh_pvecs: np.ndarray, radius: int = 3) -> list[Gap]:
    """Every gap, in document order: null paragraph beads, then null sentence
    beads inside aligned paragraph groups (consecutive ones merged).

    Args:
        en, zh: the documents.
        paragraph_beads, sentence_beads: the alignment.
        en_vecs, zh_vecs: sentence vectors; en_pvecs, zh_pvecs: paragraph vectors.
        radius: how far (in units) around its position a gap unit's best
            partner is looked for.
    """
    null_paras = {("en", p) for b in paragraph_beads if not b.zh for p in b.en}
    null_paras |= {("zh", p) for b in paragraph_beads if not b.en for p in b.zh}
    para_model = nearby_model(en_pvecs, zh_pvecs, paragraph_beads, radius)
    sent_model = nearby_model(en_vecs, zh_vecs, sentence_beads, radius)
    docs: dict[Lang, Document] = {"en": en, "zh": zh}
    gaps = _paragraph_gaps(paragraph_beads, docs, {"en": (en_pvecs, zh_pvecs), "zh": (zh_pvecs, en_pvecs)},
                           para_model, radius)
    gaps += _sentence_run_gaps(sentence_beads, docs, {"en": (en_vecs, zh_vecs), "zh": (zh_vecs, en_vecs)},
                               sent_model, radius, null_paras)
    order = {"paragraph": 0, "sentence": 1}
    gaps.sort(key=lambda g: (g.only_in != "en", g.line, order[g.level]))
    return gaps


def _positions(beads: Sequence[Bead], mine: str, other: str) -> dict[int, int]:
    """Where each unit of side ``mine`` sits on the other side: the other side's
    position of the last aligned bead before it (a cheap, monotone map)."""
    pos, last = {}, 0
    for b in beads:
        theirs = getattr(b, other)
        if theirs:
            last = theirs[0]
        for k in getattr(b, mine):
            pos[k] = last
    return pos


def _both_positions(beads: Sequence[Bead]) -> dict[Lang, dict[int, int]]:
    return {"en": _positions(beads, "en", "zh"), "zh": _positions(beads, "zh", "en")}


def _paragraph_gaps(paragraph_beads: Sequence[Bead], docs: dict[Lang, Document],
                    vecs: dict[Lang, tuple[np.ndarray, np.ndarray]], model: CosineModel,
                    radius: int) -> list[Gap]:
    """The gaps of the null paragraph beads (``vecs``: each side's paragraph
    vectors, then the other side's), one per translatable paragraph."""
    pos = _both_positions(paragraph_beads)
    gaps: list[Gap] = []
    for b in paragraph_beads:
        sides: tuple[tuple[Lang, tuple[int, ...]], ...] = (("en", b.en), ("zh", b.zh))
        for lang, units in sides:
            if units and not (b.en and b.zh):
                mine, theirs = vecs[lang]
                for p in units:
                    if not translatable(docs[lang].paragraphs[p].text):
                        continue
                    s = best_nearby(mine[p], theirs, pos[lang][p], radius)
                    gaps.append(paragraph_gap(docs[lang], lang, p, model.p_unrelated(s)))
    return gaps


def _sentence_run_gaps(sentence_beads: Sequence[Bead], docs: dict[Lang, Document],
                       vecs: dict[Lang, tuple[np.ndarray, np.ndarray]], model: CosineModel,
                       radius: int, null_paras: set[tuple[str, int]]) -> list[Gap]:
    """The gaps of the null sentence beads inside aligned paragraph groups:
    consecutive ones of one language and paragraph merged into one gap, those of
    a null paragraph (``null_paras``, reported whole) left out."""
    pos = _both_positions(sentence_beads)
    gaps: list[Gap] = []
    run: list[int] = []
    run_lang: Lang | None = None

    def flush() -> None:
        nonlocal run, run_lang
        if run and run_lang:
            mine, theirs = vecs[run_lang]
            conf = min(model.p_unrelated(best_nearby(mine[k], theirs, pos[run_lang][k], radius)) for k in run)
            gap = sentence_gaps(docs[run_lang], run_lang, run, conf)
            if translatable(gap.text):
                gaps.append(gap)
        run, run_lang = [], None

    lang: Lang | None
    for b in sentence_beads:
        lang = "en" if not b.zh else "zh" if not b.en else None
        if lang is None:
            flush()
            continue
        units = b.en if lang == "en" else b.zh
        doc = docs[lang]
        if (lang, doc.sentences[units[0]].paragraph) in null_paras:
            flush()
            continue  # already reported as a whole paragraph
        if run_lang != lang or (run and units[0] != run[-1] + 1) or \
                (run and doc.sentences[units[0]].paragraph != doc.sentences[run[-1]].paragraph):
            flush()
            run_lang = lang
        run.extend(units)
    flush()
    return gaps
