"""Learn the sentence-bead feature weights on a gold-aligned corpus.

    python bench/train_weights.py ../shared/data/mac-dev [--epochs 6] [--write]

A logistic ranking model: each local decision of the gold alignment (where two
neighbouring beads meet) must score higher than its alternatives (merge the
two beads, move their boundary by one unit, split a bead). Prints leave-one-chapter-out strict
F1 (train on the other chapters, test on the held-out one) — the honest figure
— and, with ``--write``, stores weights trained on every chapter in
``align/data/weights_sentence.json``.

The corpus layout is MAC-Dev's: ``src/NNN`` (Chinese), ``tgt/NNN`` (English),
``gold/NNN.align`` (``[zh]:[en]`` beads), one sentence per line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from align import core
from align.api import SENTENCE_CONFIG, _lengths
from align.beadfile import read_beads
from align.encoders import get_encoder
from align.read import load_documents


class MemoScorer(core.Scorer):
    """Features depend on the band only, never on the weights: compute them once."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.memo: dict = {}

    def pair_scores(self, ii, a, js, b, chunk=4096):
        key = (a, b, len(js), int(ii.sum()), int(js.sum()))
        if key not in self.memo:
            self.memo[key] = self.pair_features(ii, a, js, b).astype(np.float32)
        return self.memo[key] @ self.weights


def prepare(corpus: Path, chapter: str, encoder, config: core.AlignConfig, src: str) -> dict:
    en, zh = load_documents(corpus / src / chapter, corpus / "tgt" / chapter, presplit=True)
    x = encoder.encode([s.norm for s in zh.sentences])
    y = encoder.encode([s.norm for s in en.sentences])
    shapes = config.shapes()
    top = core.top_k_links(x, y, config.top_k)
    x_best, y_best = top[1].max(axis=1), core.top_k_links(y, x, 1)[1][:, 0]
    scorer = MemoScorer(core.SpanVectors(x), core.SpanVectors(y),
                        _lengths([s.norm for s in zh.sentences]), _lengths([s.norm for s in en.sentences]),
                        shapes, core.default_weights(shapes), x_best, y_best,
                        null_model=core.CosineModel.fit(x, y, np.concatenate([x_best, y_best])))
    lo, hi = core.anchor_band(x, y, config.window, config.top_k, top)
    gold = read_beads(corpus / "gold" / f"{chapter}.align")
    links, i, j = [], 0, 0
    for zs, es in gold:
        links.append(core.Link(i, i + len(zs), j, j + len(es), 0.0))
        i, j = i + len(zs), j + len(es)
    return {"scorer": scorer, "lo": lo, "hi": hi, "gold": gold, "gold_links": links,
            "n": len(x), "m": len(y), "name": chapter}


def decode(item: dict, w: np.ndarray) -> list[core.Link]:
    item["scorer"].weights = w
    return core.banded_dp(item["n"], item["m"], item["lo"], item["hi"], item["scorer"])


def strict_f1(items: list[dict], w: np.ndarray) -> float:
    """Pooled strict F1 (Vecalign's definition)."""
    tp_p = n_test = tp_r = n_gold = 0
    for item in items:
        test = [(link.x, link.y) for link in decode(item, w)]
        gold = set(item["gold"])
        tset = set(test)
        tp_p += sum(b in gold for b in test)
        n_test += len(test)
        real = [b for b in item["gold"] if b[0] and b[1]]
        tp_r += sum(b in tset for b in real)
        n_gold += len(real)
    p, r = tp_p / n_test, tp_r / n_gold
    return 2 * p * r / (p + r) if p + r else 0.0


def _bead(scorer: core.Scorer, i0: int, i1: int, j0: int, j1: int) -> np.ndarray | None:
    a, b = i1 - i0, j1 - j0
    if a == b == 0:
        return np.zeros(scorer.n_features)
    if a and b and (a, b) not in scorer.shape_index:
        return None
    if (a == 0 and b != 1) or (b == 0 and a != 1):  # null beads cover one unit
        return None
    return scorer.features(i1, a, np.array([j1]), b)[0]


def _path(scorer: core.Scorer, cuts: list[tuple[int, int]]) -> np.ndarray | None:
    """Features of the path through the cells ``cuts`` (nulls split into 1-0/0-1 beads)."""
    total = np.zeros(scorer.n_features)
    for (i0, j0), (i1, j1) in itertools.pairwise(cuts):
        if i1 < i0 or j1 < j0:
            return None
        if (i1 - i0 == 0 and j1 - j0 > 1) or (j1 - j0 == 0 and i1 - i0 > 1):
            for k in range(max(i1 - i0, j1 - j0)):  # a run of null beads
                f = _bead(scorer, i0 + min(k, i1 - i0), i0 + min(k + 1, i1 - i0),
                          j0 + min(k, j1 - j0), j0 + min(k + 1, j1 - j0))
                total += f
            continue
        f = _bead(scorer, i0, i1, j0, j1)
        if f is None:
            return None
        total += f
    return total


def ranking_pairs(item: dict) -> np.ndarray:
    """Feature differences gold − alternative for the local decisions the DP makes.

    For every two neighbouring gold beads (the cells ``p0 → p1 → p2``) the
    alternatives are: merging them, moving their shared boundary by one unit
    on either side, and splitting the first bead in two at any inner cell.
    """
    scorer, links = item["scorer"], item["gold_links"]
    diffs = []
    for g, h in itertools.pairwise(links):
        p0, p1, p2 = (g.i0, g.j0), (g.i1, g.j1), (h.i1, h.j1)
        gold = _path(scorer, [p0, p1, p2])
        if gold is None:
            continue
        alts = [[p0, p2]]
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)):
            alts.append([p0, (p1[0] + di, p1[1] + dj), p2])
        for i in range(g.i0, g.i1 + 1):
            for j in range(g.j0, g.j1 + 1):
                if (i, j) not in (p0, p1):
                    alts.append([p0, (i, j), p1, p2])
        for alt in alts:
            f = _path(scorer, alt)
            if f is not None:
                diffs.append(gold - f)
    return np.array(diffs)


def train(items: list[dict], epochs: int, seed: int = 0, l2: float = 1e-3) -> np.ndarray:
    """Logistic ranking of each gold decision over its local alternatives.

    Minimises ``mean(log(1 + exp(-w·(φ_gold − φ_alt)))) + l2·|w|²`` by gradient
    descent from Bertalign's weights (``epochs`` × 100 steps).
    """
    d = np.vstack([ranking_pairs(it) for it in items])
    w = core.default_weights(items[0]["scorer"].shapes)
    rate = 0.5
    for _ in range(epochs * 100):
        z = np.clip(d @ w, -30, 30)
        grad = -(d * (1.0 / (1.0 + np.exp(z)))[:, None]).mean(axis=0) + 2 * l2 * w
        w = w - rate * grad
    return w


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--src", default="src")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--write", action="store_true", help="store weights trained on every chapter")
    args = ap.parse_args()
    config = SENTENCE_CONFIG
    encoder = get_encoder()
    chapters = sorted(p.stem for p in (args.corpus / "gold").glob("*.align"))
    t = time.perf_counter()
    items = [prepare(args.corpus, ch, encoder, config, args.src) for ch in chapters]
    print(f"prepared {len(items)} chapters in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    print(f"Bertalign weights (no training): strict F1 {strict_f1(items, core.default_weights(config.shapes())):.4f}")
    held = []
    for k, item in enumerate(items):
        w = train([it for q, it in enumerate(items) if q != k], args.epochs)
        f = strict_f1([item], w)
        held.append((f, len(item["gold"])))
        print(f"held-out {item['name']}: strict F1 {f:.4f}")
    pooled = sum(f * n for f, n in held) / sum(n for _, n in held)
    print(f"leave-one-chapter-out strict F1 (bead-weighted mean): {pooled:.4f}")
    w = train(items, args.epochs)
    print(f"trained on all chapters, scored on them: {strict_f1(items, w):.4f}")
    if args.write:
        path = Path(__file__).resolve().parent.parent / "align" / "data" / "weights_sentence.json"
        names = core.feature_names(config.shapes())
        path.write_text(json.dumps({
            "about": "Averaged-perceptron weights of the sentence bead features (align.core.feature_names), "
                     f"learned with bench/train_weights.py on {args.corpus.name} ({args.epochs} epochs).",
            "weights": {n: round(float(v), 6) for n, v in zip(names, w, strict=True) if v},
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
