"""Learn the sentence-bead feature weights on a gold-aligned corpus.

    python bench/train_weights.py ../shared/data/mac-dev [--epochs 6] [--write]

An averaged structured perceptron (Collins, 2002): align each chapter with the
current weights, then move the weights towards the features of the gold path
and away from those of the predicted path. Prints leave-one-chapter-out strict
F1 (train on the other chapters, test on the held-out one) — the honest figure
— and, with ``--write``, stores weights trained on every chapter in
``align/data/weights_sentence.json``.

The corpus layout is MAC-Dev's: ``src/NNN`` (Chinese), ``tgt/NNN`` (English),
``gold/NNN.align`` (``[zh]:[en]`` beads), one sentence per line.
"""

from __future__ import annotations

import argparse
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

    def features(self, i, a, js, b):
        key = (i, a, b, int(js[0]) if len(js) else -1, len(js))
        if key not in self.memo:
            self.memo[key] = super().features(i, a, js, b).astype(np.float32)
        return self.memo[key]


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
                        null_model=core.null_model(x, y, np.concatenate([x_best, y_best])))
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
        test = [(l.x, l.y) for l in decode(item, w)]
        gold = set(item["gold"])
        tset = set(test)
        tp_p += sum(b in gold for b in test)
        n_test += len(test)
        real = [b for b in item["gold"] if b[0] and b[1]]
        tp_r += sum(b in tset for b in real)
        n_gold += len(real)
    p, r = tp_p / n_test, tp_r / n_gold
    return 2 * p * r / (p + r) if p + r else 0.0


def train(items: list[dict], epochs: int, seed: int = 0) -> np.ndarray:
    scorer = items[0]["scorer"]
    w = core.default_weights(scorer.shapes)
    total, count = np.zeros_like(w), 0
    gold = [core.path_features(it["gold_links"], it["scorer"]) for it in items]
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for k in rng.permutation(len(items)):
            item = items[k]
            pred = core.path_features(decode(item, w), item["scorer"])
            # Step size per sentence, so long chapters do not dominate.
            w = w + 10.0 * (gold[k] - pred) / (item["n"] + item["m"])
            total += w
            count += 1
    return total / count


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
            "weights": {n: round(float(v), 6) for n, v in zip(names, w) if v},
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
