"""Gaps: text present in only one language, with a calibrated confidence.

A null bead (1-0 or 0-1) found by the aligner becomes a :class:`~align.models.Gap`.
Its confidence is the posterior probability that the unit has *no* translation
nearby, computed per document from two score distributions the document itself
provides (so it adapts to the encoder and the text):

- translated pairs: the cosines of the units in the aligned 1-1 beads;
- unrelated pairs: the cosines of random pairs of units.

Each is modelled as a normal distribution (:class:`align.core.CosineModel`); for
a gap unit whose best cosine with the other side's units near its position is
``s``, the confidence is ``N0(s) / (N0(s) + N1(s))`` (equal priors). See
docs/aligner.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .core import CosineModel
from .models import Bead, Document, Gap, Lang


def best_nearby(v: np.ndarray, others: np.ndarray, centre: int, radius: int) -> float:
    """Best cosine of ``v`` with ``others[centre - radius : centre + radius]``."""
    lo, hi = max(0, centre - radius), min(len(others), centre + radius)
    if hi <= lo:
        return -1.0
    return float((others[lo:hi] @ v).max())


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
    gaps: list[Gap] = []
    null_paras = {("en", p) for b in paragraph_beads if not b.zh for p in b.en}
    null_paras |= {("zh", p) for b in paragraph_beads if not b.en for p in b.zh}

    def model(x: np.ndarray, y: np.ndarray, beads: Sequence[Bead]) -> CosineModel:
        one_to_one = [(b.en[0], b.zh[0]) for b in beads if len(b.en) == 1 and len(b.zh) == 1]
        return CosineModel.fit(x, y, np.array([float(x[i] @ y[j]) for i, j in one_to_one]))

    para_model = model(en_pvecs, zh_pvecs, paragraph_beads)
    sent_model = model(en_vecs, zh_vecs, sentence_beads)
    # Where each unit sits on the other side: the other side's position of the
    # last aligned bead before it (a cheap, monotone map).
    def positions(beads: Sequence[Bead], mine: str, other: str) -> dict[int, int]:
        pos, last = {}, 0
        for b in beads:
            theirs = getattr(b, other)
            if theirs:
                last = theirs[0]
            for k in getattr(b, mine):
                pos[k] = last
        return pos

    p_pos = {"en": positions(paragraph_beads, "en", "zh"), "zh": positions(paragraph_beads, "zh", "en")}
    s_pos = {"en": positions(sentence_beads, "en", "zh"), "zh": positions(sentence_beads, "zh", "en")}
    vecs = {"en": (en_vecs, zh_vecs, en_pvecs, zh_pvecs), "zh": (zh_vecs, en_vecs, zh_pvecs, en_pvecs)}
    docs = {"en": en, "zh": zh}

    lang: Lang | None
    for b in paragraph_beads:
        sides: tuple[tuple[Lang, tuple[int, ...]], ...] = (("en", b.en), ("zh", b.zh))
        for lang, units in sides:
            if units and not (b.en and b.zh):
                mine, theirs = vecs[lang][2], vecs[lang][3]
                for p in units:
                    s = best_nearby(mine[p], theirs, p_pos[lang][p], radius)
                    gaps.append(paragraph_gap(docs[lang], lang, p, para_model.p_unrelated(s)))

    run: list[int] = []
    run_lang: Lang | None = None

    def flush() -> None:
        nonlocal run, run_lang
        if run and run_lang:
            mine, theirs = vecs[run_lang][0], vecs[run_lang][1]
            conf = min(sent_model.p_unrelated(best_nearby(mine[k], theirs, s_pos[run_lang][k], radius))
                       for k in run)
            gaps.append(sentence_gaps(docs[run_lang], run_lang, run, conf))
        run, run_lang = [], None

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
    order = {"paragraph": 0, "sentence": 1}
    gaps.sort(key=lambda g: (g.only_in != "en", g.line, order[g.level]))
    return gaps
