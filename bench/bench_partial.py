"""Partial omissions: planted clause deletions and insertions in real 1-1 beads.

Usage::

    python bench/bench_partial.py MACDEV_DIR [--rate 0.05] [--trials 4] [--seed 0 [1 ...]]
        [--genre news|technical|literary ...]
        [--split dev|held|check|all] [--beads paragraphs|aligned] [--length] [--show] [--fit PATH]

Beads, by genre:

- **news**: the 30 translated paragraphs of the seed
  (``seeds/000_f1284998f700f5c0.txt``), each paragraph pair one bead;
- **technical**: Debian's maint-guide (installed under /usr/share/doc: the
  k-th ``<p>`` of a page in English is the k-th in Chinese, po4a), prose
  paragraph pairs, Simplified (zh-cn) and Traditional (zh-tw) translations;
- **literary**: MAC-Dev's gold 1-1 beads (``MACDEV_DIR/gold``, ``src`` Chinese,
  ``tgt`` English).

With ``--beads aligned`` the news and technical documents are first aligned
by the library (their paragraph pairs joined into two texts; :func:`aligned`),
and the beads are the aligner's sentence beads, as ``align check`` reads
them: the 1-1 ones are planted, all are counted for false flags.

Splits: ``dev`` (the sets the constants were chosen on) is the seed, the
maint-guide zh-cn pages advanced..first, the Debian Reference's preface and
chapters 1-6 (zh-cn) and MAC-Dev 001-003; ``held`` is the maint-guide zh-tw
pages index..upload and MAC-Dev 004-006; ``check`` (never used to choose
anything) is the Debian Reference's other pages and the Debian FAQ in
Simplified Chinese, technical prose the constants never saw; ``all`` is dev
and held. The Debian packages (maint-guide, maint-guide-zh-cn/-zh-tw,
debian-reference-en/-zh-cn, debian-faq, debian-faq-zh-cn) are installed with
apt when missing (:func:`installed`).

In each trial, ``rate`` of the beads of each document get a deletion and as
many others an insertion, on a random side:

- deletion: one clause of at least 6 Han characters or 4 English words is
  removed (the bead should be flagged with ``only_in`` the other side);
- insertion: a clause of that size from another bead of the same document is
  inserted at a clause boundary (flagged on the side it went into; its offsets
  are known, so the reported span is scored by character F1).

Printed per genre: bead recall of each kind, span character F1 on flagged
insertions, and false flags per 1,000 untouched beads, also by source document
(maint-guide, the Reference, the FAQ) where a genre has several. ``--length``
also aligns each MAC-Dev chapter (``--presplit``) and the seed, and counts the
``length`` findings on beads the ``omission`` check also flags. ``--fit PATH``
plants 10% of the non-literary dev beads in 6 trials, fits the tree model of
``align.qa.omission`` on their candidates (untouched beads: 0; the side with
the planted extra text: 1; :func:`training_set`, :func:`fit_trees`: needs
scikit-learn) and writes it to PATH (the shipped one is
``align/data/omission_trees.json``).
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from align.qa.omission import document_cutoff, document_norm, find_omissions

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_f1284998f700f5c0.txt"
MAINT = Path("/usr/share/doc")
DEV_PAGES = ("advanced", "build", "checkit", "dother", "dreq", "first")
HELD_PAGES = ("index", "modify", "start", "update", "upload")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Doc:
    """The 1-1 beads (English, Chinese) of one document."""

    genre: str
    name: str
    beads: list[tuple[str, str]]
    plantable: list[int] | None = None  # the beads that may be planted (None: all)

    def pool(self) -> list[int]:
        """The indices of the beads that may be planted."""
        return list(range(len(self.beads))) if self.plantable is None else self.plantable

    def norm(self) -> tuple[float, float]:
        """The length norm the check takes: from the 1-1 beads, where they are known."""
        beads = self.beads if self.plantable is None else [self.beads[k] for k in self.plantable]
        return document_norm(beads)


# --- corpora -----------------------------------------------------------------------


def seed_docs() -> list[Doc]:
    """The seed's translated body: English lines 6-35 against the Chinese paragraphs
    with an English counterpart (as in bench/calibrate_gaps.py)."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    zh_only = {38, 48, 54, 56, 72, 74}
    en = [lines[k - 1] for k in range(6, 36) if lines[k - 1].strip()]
    zh = [lines[k - 1] for k in range(41, 76) if lines[k - 1].strip() and k not in zh_only]
    return [Doc("news", "seed-000", list(zip(en, zh, strict=True)))]


def _paragraphs(path: Path, zh: bool) -> list[str]:
    out = []
    for raw in re.findall(r"<p\b[^>]*>(.*?)</p>", path.read_text(encoding="utf-8"), re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", raw))
        if zh:  # a hard wrap between Han characters is no space
            text = re.sub(r"(?<=[\u4e00-\u9fff，。、；：）])\s*\n\s*(?=[\u4e00-\u9fff（])", "", text)
        out.append(re.sub(r"\s+", " ", text).strip())
    return out


def installed(path: Path, *packages: str) -> Path:
    """``path``, installing the Debian ``packages`` that hold it when it is
    missing (apt, as root); a clear exit when that cannot be done, so that a
    split never silently loses its documents."""
    import shutil
    import subprocess

    if not path.exists():
        if shutil.which("apt-get") is None:
            raise SystemExit(f"{path} is missing; install {' '.join(packages)} (apt-get is not available)")
        done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode or not path.exists():
            raise SystemExit(f"could not install {' '.join(packages)}: {done.stderr.strip()[-300:]}")
    return path


def _paired(name: str, en_path: Path, zh_path: Path) -> Doc | None:
    """The prose paragraph pairs (at least 6 words, 8 Han characters) of two
    po4a-made pages (None when their paragraphs do not correspond one to one,
    or a page is missing)."""
    if not en_path.exists() or not zh_path.exists():
        return None
    en, zh = _paragraphs(en_path, False), _paragraphs(zh_path, True)
    if len(en) != len(zh):
        return None
    beads = [(e, z) for e, z in zip(en, zh, strict=True)
             if len(e.split()) >= 6 and len(_HAN.findall(z)) >= 8]
    return Doc("technical", name, beads)


def maint_docs(variant: str, pages: tuple[str, ...]) -> list[Doc]:
    """Prose paragraph pairs of maint-guide pages."""
    installed(MAINT / "maint-guide" / "html", "maint-guide")
    installed(MAINT / f"maint-guide-{variant}" / "html", f"maint-guide-{variant}")
    docs = [_paired(f"maint-{variant}-{page}", MAINT / "maint-guide" / "html" / f"{page}.en.html",
                    MAINT / f"maint-guide-{variant}" / "html" / f"{page}.{variant}.html") for page in pages]
    return [d for d in docs if d is not None]


REFERENCE = Path("/usr/share/debian-reference")
FAQ = MAINT / "debian" / "FAQ"


#: The Debian Reference's pages in the dev split; the others are in ``check``.
#: (``bench/omissions.py`` holds chapters 1-6 out of the gap detector's choices;
#: the partial omission check's weights are fitted on them.)
REFERENCE_DEV = ("pr01", "ch01", "ch02", "ch03", "ch04", "ch05", "ch06")


def reference_docs(dev: bool) -> list[Doc]:
    """The Debian Reference (``debian-reference-en``, ``debian-reference-zh-cn``)
    page by page: the pages of :data:`REFERENCE_DEV`, or the others."""
    installed(REFERENCE / "ch01.en.html", "debian-reference-en")
    installed(REFERENCE / "ch01.zh-cn.html", "debian-reference-zh-cn")
    docs = [_paired(f"reference-{p.name.split('.')[0]}", p, p.with_name(p.name.replace(".en.", ".zh-cn.")))
            for p in sorted(REFERENCE.glob("*.en.html")) if (p.name.split(".")[0] in REFERENCE_DEV) == dev]
    return [d for d in docs if d is not None and d.beads]


def check_docs() -> list[Doc]:
    """The check split, never used to choose anything: the Debian Reference's
    pages outside the dev split and the Debian FAQ (``debian-faq``,
    ``debian-faq-zh-cn``), page by page."""
    installed(FAQ / "index.en.html", "debian-faq")
    installed(FAQ / "zh-cn" / "index.zh-cn.html", "debian-faq-zh-cn")
    docs = [_paired(f"faq-{p.name.split('.')[0]}", p, FAQ / "zh-cn" / p.name.replace(".en.", ".zh-cn."))
            for p in sorted(FAQ.glob("*.en.html"))]
    return reference_docs(False) + [d for d in docs if d is not None and d.beads]


def mac_docs(root: Path, chapters: tuple[str, ...]) -> list[Doc]:
    """MAC-Dev's gold 1-1 beads of the given chapters."""
    from align.beadfile import read_beads

    docs = []
    for ch in chapters:
        zh = (root / "src" / ch).read_text(encoding="utf-8").splitlines()
        en = (root / "tgt" / ch).read_text(encoding="utf-8").splitlines()
        beads = [(en[e[0]], zh[z[0]]) for z, e in read_beads(root / "gold" / f"{ch}.align")
                 if len(z) == 1 and len(e) == 1 and en[e[0]].strip() and zh[z[0]].strip()]
        docs.append(Doc("literary", f"mac-{ch}", beads))
    return docs


# --- planting ----------------------------------------------------------------------


def _big(text: str, lang: str) -> bool:
    """A clause worth planting: 6 Han characters, or 4 English words."""
    if lang == "zh":
        return len(_HAN.findall(text)) >= 6
    return len(re.findall(r"[A-Za-z0-9]+", text)) >= 4


_EN_CONJ = ("and", "but", "or", "while", "whereas", "although", "though", "because",
            "which", "who", "whom", "whose", "where", "when", "after", "before", "since",
            "unless", "until", "if", "so", "yet", "as", "that", "including", "amid", "with")
#: The clauses planted and removed are cut as align.qa.omission cut them when
#: this bench was made (kept here, so that the planted changes stay the same
#: whatever the check's cutting becomes).
_EN_BREAK = re.compile(
    r"(?:(?<!\d)[,;:]|[,;:](?!\d))\s*|\s+[-–—]+\s+|[.!?][\"'”’)]*\s+|\s+(?=(?:" + "|".join(_EN_CONJ) + r")\b)",
    re.IGNORECASE)
_ZH_BREAK = re.compile(r"[，,；;：:、。！？!?]+[」』”’）)]*\s*|\s+[-–—]\s+")


@dataclass(frozen=True)
class Piece:
    """A clause of a bead side: its offsets and text."""

    start: int
    end: int
    text: str


def _clauses(text: str, lang: str) -> list[Piece]:
    out, start = [], 0
    for m in (_ZH_BREAK if lang == "zh" else _EN_BREAK).finditer(text):
        if m.end() > start and m.start() > start:
            out.append(Piece(start, m.end(), text[start:m.end()]))
            start = m.end()
    if start < len(text):
        out.append(Piece(start, len(text), text[start:]))
    return [p for p in out if p.text.strip()]


def _core(text: str) -> str:
    """A clause without its closing punctuation and spaces."""
    return re.sub(r"[\s，,；;：:、。.!?！？\-–—]+$", "", text.strip())


def delete_clause(text: str, lang: str, rng: random.Random) -> str | None:
    """``text`` with one big clause removed (None when it has no big clause among others)."""
    got = deletion(text, lang, rng)
    return got[0] if got else None


def deletion(text: str, lang: str, rng: random.Random) -> tuple[str, str] | None:
    """:func:`delete_clause`, also returning the clause removed."""
    clauses = _clauses(text, lang)
    if len(clauses) < 2:
        return None
    big = [k for k, c in enumerate(clauses) if _big(c.text, lang)]
    if not big:
        return None
    k = rng.choice(big)
    c = clauses[k]
    if k < len(clauses) - 1:
        rest = text[c.end:]
        out = text[:c.start] + (rest[:1].upper() + rest[1:] if k == 0 and lang == "en" else rest)
    else:
        closing = c.text[len(_core(c.text)):].strip()
        out = _core(text[:c.start]) + closing
    return (out, _core(c.text)) if out.strip() else None


def insert_clause(text: str, donor: str, lang: str, rng: random.Random
                  ) -> tuple[str, int, int] | None:
    """``text`` with a big clause of ``donor`` inserted at a clause boundary.

    Returns:
        The new text and the inserted clause's offsets, or None.
    """
    boundaries = [c.start for c in _clauses(text, lang)[1:]]
    pieces = [_core(c.text) for c in _clauses(donor, lang) if _big(c.text, lang)]
    if not boundaries or not pieces:
        return None
    at, piece = rng.choice(boundaries), rng.choice(pieces)
    if lang == "en" and piece[:1].isupper() and piece[1:2].islower() and not piece.startswith("I "):
        piece = piece[0].lower() + piece[1:]
    joiner = "，" if lang == "zh" else ", "
    return text[:at] + piece + joiner + text[at:], at, at + len(piece)


# --- scoring -----------------------------------------------------------------------


@dataclass
class Score:
    """Counts of one genre."""

    deleted: int = 0
    deleted_found: int = 0
    inserted: int = 0
    inserted_found: int = 0
    f1: list[float] = field(default_factory=list)
    untouched: int = 0
    false_flags: int = 0
    # source -> [flags, untouched, deletions, deletions found]
    by_source: dict[str, list[int]] = field(default_factory=dict)

    def tally(self, doc_name: str) -> list[int]:
        return self.by_source.setdefault(source(doc_name), [0, 0, 0, 0])

    def untouched_bead(self, doc_name: str, flagged: bool) -> None:
        """Count an untouched bead of ``doc_name``, flagged or not."""
        self.untouched += 1
        self.false_flags += flagged
        tally = self.tally(doc_name)
        tally[0] += flagged
        tally[1] += 1

    def line(self, genre: str) -> str:
        r_del = self.deleted_found / max(1, self.deleted)
        r_ins = self.inserted_found / max(1, self.inserted)
        r_all = (self.deleted_found + self.inserted_found) / max(1, self.deleted + self.inserted)
        f1 = sum(self.f1) / len(self.f1) if self.f1 else 0.0
        ff = 1000 * self.false_flags / max(1, self.untouched)
        line = (f"{genre:<10} recall: deletions {r_del:.2f} ({self.deleted_found}/{self.deleted}), "
                f"insertions {r_ins:.2f} ({self.inserted_found}/{self.inserted}), all {r_all:.2f}; "
                f"span char F1 {f1:.2f}; false flags {ff:.1f} per 1,000 untouched beads "
                f"({self.false_flags}/{self.untouched})")
        if len(self.by_source) > 1:
            line += "\n           by source, deletion recall / false flags per 1,000: " + ", ".join(
                f"{name} {found / max(1, deleted):.2f} ({found}/{deleted}) / {1000 * f / max(1, n):.1f} ({f}/{n})"
                for name, (f, n, deleted, found) in sorted(self.by_source.items()))
        return line


def source(doc_name: str) -> str:
    """The document family a bench document comes from: maint, reference, faq, seed, mac."""
    return doc_name.split("-")[0]


def char_f1(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Character F1 of span ``a`` against span ``b``."""
    overlap = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    if not overlap:
        return 0.0
    p, r = overlap / (a[1] - a[0]), overlap / (b[1] - b[0])
    return 2 * p * r / (p + r)


@dataclass
class Event:
    """A planted bead and what the check found in it (every finding from ``LOW``)."""

    kind: str  # "del" or "ins"
    side: str  # the side that should be flagged
    found: list
    span: tuple[int, int] | None = None  # the inserted clause's offsets
    doc: str = ""
    show: str = ""


def plant(doc: Doc, detect: Callable, rate: float, rng: random.Random) -> list[Event]:
    """One trial on one document: plant deletions and insertions, and keep what
    ``detect`` finds in each planted bead."""
    n = len(doc.beads)
    pool = doc.pool()
    if not pool:
        return []
    k = max(1, round(rate * len(pool)))
    chosen = rng.sample(pool, min(len(pool), 2 * k))
    out = []
    for j, b in enumerate(chosen):
        en, zh = doc.beads[b]
        lang = rng.choice(("en", "zh"))
        if j < k:
            new = delete_clause(en if lang == "en" else zh, lang, rng)
            if new is None:
                continue
            found = detect(new, zh) if lang == "en" else detect(en, new)
            removed = [c.text for c in _clauses(en if lang == "en" else zh, lang)
                       if c.text.strip() and c.text not in new]
            out.append(Event("del", "zh" if lang == "en" else "en", found, doc=doc.name,
                             show=f"deleted from {lang}: {removed!r}\n"
                                  f"  EN {new if lang == 'en' else en}\n  ZH {zh if lang == 'en' else new}"))
            continue
        donor = doc.beads[rng.choice([d for d in range(n) if d != b])] if n > 1 else None
        got = donor and insert_clause(en if lang == "en" else zh, donor[0 if lang == "en" else 1],
                                      lang, rng)
        if not got:
            continue
        new, start, end = got
        found = detect(new, zh) if lang == "en" else detect(en, new)
        out.append(Event("ins", lang, found, (start, end), doc=doc.name))
    return out


def score_events(score: Score, events: list[Event], reported: Callable, show: bool = False) -> None:
    """Add planted beads to ``score``: a finding counts when ``reported`` says so."""
    for e in events:
        found = [o for o in e.found if reported(o)]
        if e.kind == "del":
            score.deleted += 1
            hit = any(o.only_in == e.side for o in found)
            score.deleted_found += hit
            tally = score.tally(e.doc)
            tally[2] += 1
            tally[3] += hit
            if show and not hit:
                print(f"MISSED {e.doc} {e.show}")
            continue
        found = [o for o in found if o.only_in == e.side]
        score.inserted += 1
        if found and e.span is not None:
            score.inserted_found += 1
            score.f1.append(max(char_f1((o.start, o.end), e.span) for o in found))


def _rows(en: str, zh: str, encoder, norm: tuple[float, float]):
    """Every candidate of a bead with its features: (lang, start, end, features)."""
    from align.qa import omission
    from align.qa.omission import align_sides, candidates, inner_candidates, score_candidates

    e, z = align_sides(en, zh)
    rows = [(o.only_in, o.start, o.end, o.features) for side, other in ((e, z), (z, e))
            for o in score_candidates(candidates(side), other, encoder, *norm)]
    if omission.INNER_RUNS:
        rows += [(o.only_in, o.start, o.end, o.features) for side, other in ((e, z), (z, e))
                 for cand in inner_candidates(side)
                 for o in score_candidates([cand], other, encoder, *norm)]
    return rows


def _counterpart(rows, removed: str, text: str, encoder) -> tuple[int, int] | None:
    """The span among candidate rows most like the ``removed`` clause (cosine)."""
    if not rows:
        return None
    vecs = encoder.encode([removed] + [text[start:end] for _, start, end, _ in rows])
    best = max(range(len(rows)), key=lambda k: float(vecs[0] @ vecs[k + 1]))
    return rows[best][1], rows[best][2]


def training_set(docs: list[Doc], encoder, rng: random.Random, trials: int = 6
                 ) -> tuple[list[tuple[float, ...]], list[int]]:
    """Candidate features and labels: 0 on untouched beads, 1 on the side that
    has the planted extra text: for insertions a candidate overlapping it, for
    deletions one overlapping the candidate most like the deleted clause
    (the others of that side are left out: they may be faithful)."""
    x: list[tuple[float, ...]] = []
    y: list[int] = []
    for doc in docs:
        norm = doc.norm()
        for en, zh in doc.beads:
            for *_, f in _rows(en, zh, encoder, norm):
                x.append(f)
                y.append(0)
        n = len(doc.beads)
        pool = doc.pool()
        for _ in range(trials):
            for b in rng.sample(pool, min(len(pool), max(2, round(0.1 * len(pool))))):
                en, zh = doc.beads[b]
                lang = rng.choice(("en", "zh"))
                text, other = (en, zh) if lang == "en" else (zh, en)
                removed = None
                if rng.random() < 0.5:
                    cut = deletion(text, lang, rng)
                    new, span, removed = cut[0] if cut else None, None, cut[1] if cut else None
                    right = "zh" if lang == "en" else "en"
                else:
                    got = insert_clause(text, doc.beads[rng.randrange(n)][0 if lang == "en" else 1],
                                        lang, rng)
                    new, span, right = (got[0], got[1:], lang) if got else (None, None, lang)
                if new is None:
                    continue
                pair = (new, other) if lang == "en" else (other, new)
                rows = [r for r in _rows(*pair, encoder, norm) if r[0] == right]
                if removed is not None:
                    span = _counterpart(rows, removed, pair[0] if right == "en" else pair[1], encoder)
                for _, start, end, f in rows:
                    if span is not None and char_f1((start, end), span) > 0.5:
                        x.append(f)
                        y.append(1)
    return x, y


def fit_logistic(x: list[tuple[float, ...]], y: list[int], l2: float = 1.0,
                 steps: int = 30) -> tuple[list[float], float]:
    """L2-penalised logistic regression by Newton's method (bias not penalised)."""
    import numpy as np

    a = np.hstack([np.asarray(x, dtype=float), np.ones((len(x), 1))])
    t = np.asarray(y, dtype=float)
    w = np.zeros(a.shape[1])
    penalty = np.diag([l2] * (a.shape[1] - 1) + [0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -50, 50)))
        grad = a.T @ (p - t) + penalty @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + penalty
        w -= np.linalg.solve(hess, grad)
    return [round(float(v), 3) for v in w[:-1]], round(float(w[-1]), 3)


#: The tree model's settings (round 17: depth 4 or 400 trees did no better).
TREES = {"max_depth": 3, "max_iter": 200, "learning_rate": 0.05, "l2_regularization": 1.0}


def _complete(nodes, depth: int) -> dict[str, list]:
    """A scikit-learn tree (its ``nodes`` array) as a complete tree of ``depth``
    in heap order: a leaf above ``depth`` becomes a split that sends every row
    left, to copies of itself."""
    inner = 2 ** depth - 1
    feature, threshold, leaf = [0] * inner, [sys.float_info.max] * inner, [0.0] * (inner + 1)

    def fill(node: int, at: int, level: int) -> None:
        n = nodes[node]
        if level == depth:
            assert n["is_leaf"], "a tree deeper than max_depth"
            leaf[at - inner] = float(n["value"])
        elif n["is_leaf"]:
            fill(node, 2 * at + 1, level + 1)
            fill(node, 2 * at + 2, level + 1)
        else:
            feature[at], threshold[at] = int(n["feature_idx"]), float(n["num_threshold"])
            fill(int(n["left"]), 2 * at + 1, level + 1)
            fill(int(n["right"]), 2 * at + 2, level + 1)

    fill(0, 0, 0)
    return {"feature": feature, "threshold": threshold, "leaf": leaf}


def fit_trees(x: list[tuple[float, ...]], y: list[int]) -> dict:
    """Gradient-boosted trees of the candidates' features (scikit-learn, needed
    only here), monotone in ``gain`` so that the check can prune exactly, as the
    JSON that :class:`align.qa.omission.Trees` reads (:func:`_complete`),
    checked against scikit-learn's own predictions."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    from align.qa.omission import FEATURES, Trees

    model = HistGradientBoostingClassifier(
        **TREES, monotonic_cst=[int(name == "gain") for name in FEATURES],
        early_stopping=False, random_state=0).fit(np.asarray(x), np.asarray(y))
    trees = [_complete(predictor.nodes, TREES["max_depth"]) for (predictor,) in model._predictors]
    spec = {"features": list(FEATURES), "monotone": ["gain"], "settings": TREES,
            "candidates": len(y), "positive": int(sum(y)),
            "baseline": float(np.ravel(model._baseline_prediction)[0]), "trees": trees}
    ours = Trees.from_dict(spec).proba(np.asarray(x))
    theirs = model.predict_proba(np.asarray(x))[:, 1]
    assert np.allclose(ours, theirs, rtol=0, atol=1e-9), float(np.abs(ours - theirs).max())
    return spec


def write_model(spec: dict, path: Path) -> None:
    """The model as JSON (``align/data/omission_trees.json`` is the shipped one)."""
    import json

    path.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")


def aligned(doc: Doc, encoder) -> Doc:
    """The document as ``align check`` reads it: its paragraph pairs joined into
    two texts and aligned by the library (paragraphs, then sentences), one bead
    per aligned sentence bead with text on both sides (:func:`align.qa.base.pairs`);
    the 1-1 ones may be planted."""
    from align.api import align_texts
    from align.qa.base import pairs

    result = align_texts("\n\n".join(e for e, _ in doc.beads), "\n\n".join(z for _, z in doc.beads),
                         encoder=encoder, checks=[])
    beads = list(pairs(result))
    return Doc(doc.genre, doc.name, [(p.en_text, p.zh_text) for p in beads],
               [k for k, p in enumerate(beads) if len(p.en) == len(p.zh) == 1])


def corpora(root: Path, split: str) -> list[Doc]:
    """The documents of a split (see the module docstring)."""
    docs: list[Doc] = []
    if split in ("dev", "all"):
        docs += (seed_docs() + maint_docs("zh-cn", DEV_PAGES) + reference_docs(True)
                 + mac_docs(root, ("001", "002", "003")))
    if split in ("held", "all"):
        docs += maint_docs("zh-tw", HELD_PAGES) + mac_docs(root, ("004", "005", "006"))
    if split == "check":
        docs += check_docs()
    return docs


def length_explained(root: Path, encoder) -> str:
    """How many ``length`` findings of aligned MAC-Dev chapters and the seed the check also flags."""
    from align.api import align_files

    runs = [(SEED, None, False)] + [(root / "tgt" / ch, root / "src" / ch, True)
                                    for ch in ("001", "002", "003", "004", "005", "006")]
    total = both = same_side = 0
    for first, second, presplit in runs:
        result = align_files(first, second, presplit=presplit, encoder=encoder,
                             checks=["length", "omission"])
        flagged = {(f.bead, f.only_in) for f in result.findings if f.check == "omission"}
        for f in result.findings:
            if f.check != "length":
                continue
            total += 1
            side = "en" if "Chinese is short" in f.message else "zh"
            both += any(b == f.bead for b, _ in flagged)
            same_side += (f.bead, side) in flagged
    return (f"length findings (seed + MAC-Dev presplit): {total}; on a bead the omission check "
            f"flags: {both}; on the side the length check points to: {same_side}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, metavar="MACDEV_DIR")
    parser.add_argument("--rate", type=float, default=0.05, help="share of beads planted, each kind")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--seed", type=int, nargs="+", default=[0],
                        help="planting seeds (each scored on its own)")
    parser.add_argument("--split", choices=("dev", "held", "all", "check"), default="all")
    parser.add_argument("--genre", choices=("news", "technical", "literary"), action="append",
                        help="only these genres (repeatable; default all)")
    parser.add_argument("--sweep", type=float, nargs="+",
                        help="score at each of these report thresholds (default REPORT_AT)")
    parser.add_argument("--beads", choices=("paragraphs", "aligned"), default="paragraphs",
                        help="the beads of the seed and the Debian pages: their paragraph pairs, or "
                             "the sentence beads the library aligns them into (what align check reads)")
    parser.add_argument("--length", action="store_true", help="also count explained length findings")
    parser.add_argument("--show", action="store_true", help="print the false flags and the missed deletions")
    parser.add_argument("--fit", type=Path, metavar="PATH",
                        help="fit the tree model on the dev split and write it to PATH "
                             "(align/data/omission_trees.json is the shipped one)")
    args = parser.parse_args(argv)
    from align.encoders import get_encoder
    from align.qa.omission import FEATURES

    encoder = get_encoder()

    def beads_of(doc: Doc) -> Doc:
        """The document with the beads ``--beads`` asks for (MAC-Dev's are sentence beads already)."""
        return aligned(doc, encoder) if args.beads == "aligned" and doc.genre != "literary" else doc

    if args.fit:
        docs = [beads_of(d) for d in corpora(args.corpus, "dev") if d.genre != "literary"]
        x, y = training_set(docs, encoder, random.Random(args.seed[0]))
        write_model(fit_trees(x, y), args.fit)
        print(f"{len(y)} candidates, {sum(y)} positive, features {FEATURES}: {args.fit}")
        return 0

    from align.qa.omission import REPORT_AT, reportable

    thresholds = args.sweep or [REPORT_AT]
    low = min(thresholds)
    rngs = {seed: random.Random(seed) for seed in args.seed}
    scores: dict[tuple[float, int], dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    for doc in corpora(args.corpus, args.split):
        if args.genre and doc.genre not in args.genre:
            continue
        doc = beads_of(doc)
        centre, scale = doc.norm()

        def detect(en: str, zh: str, centre: float = centre, scale: float = scale):
            return find_omissions(en, zh, encoder, centre, threshold=low, scale=scale)

        # untouched beads first (the check reads one bead at a time), then the
        # document's cap (document_cutoff) applies to them and to the planted ones
        untouched = [detect(en, zh) for en, zh in doc.beads]
        events = {seed: [e for _ in range(args.trials) for e in plant(doc, detect, args.rate, rngs[seed])]
                  for seed in args.seed}
        for t in thresholds:
            def reported(o, t: float = t) -> bool:
                return reportable(o, t)

            kept = [[o for o in f if reported(o)] for f in untouched]
            cut = document_cutoff([max(o.confidence for o in f) for f in kept if f], len(doc.beads))

            def capped(o, t: float = t, cut: float = cut) -> bool:
                return reported(o, t) and o.confidence >= cut

            show = args.show and t == thresholds[0]
            for (en, zh), found in zip(doc.beads, kept, strict=True):
                found = [o for o in found if o.confidence >= cut]
                for seed in args.seed:
                    scores[t, seed][doc.genre].untouched_bead(doc.name, bool(found))
                for o in found if show else ():
                    print(f"FALSE {doc.name} [{o.only_in} {o.confidence:.2f}] {o.text!r}\n"
                          f"  EN {en}\n  ZH {zh}")
            for seed in args.seed:
                score_events(scores[t, seed][doc.genre], events[seed], capped, show)
        print(f"{doc.name}: {len(doc.beads)} beads", file=sys.stderr, flush=True)
    for t in thresholds:
        for seed in args.seed:
            print(f"split {args.split}, {args.trials} trials, {args.rate:.0%} of beads per kind, "
                  f"seed {seed}, report at {t:.2f}")
            for genre in ("news", "technical", "literary"):
                if genre in scores[t, seed]:
                    print(scores[t, seed][genre].line(genre))
    if args.length:
        print(length_explained(args.corpus, encoder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
