"""Partial omissions, offline: weigh every candidate once, then try scorers in seconds.

Usage::

    python bench/partial_offline.py MACDEV_DIR --dump DIR [--beads aligned]  # weigh and save (4 minutes)
    python bench/partial_offline.py MACDEV_DIR --load DIR [--logistic] [--fit PATH] [--sweep 0.84 0.88 ...]

``bench_partial.py`` runs the encoder for every threshold and model it is
asked about (90 s a split). This bench runs it once: ``--dump`` plants the
same beads as ``bench_partial.py --trials 12 --seed 0 1 2`` (technical and
news documents of the dev, held and check splits), weighs *every* candidate
of every untouched and planted bead (no pruning by threshold), and saves them
with pickle under DIR, with the training set of ``bench_partial.py --fit``
(``--beads aligned``: the aligner's sentence beads, as ``bench_partial.py --beads aligned``).
``--load`` then refits the model on that training set and scores the splits
by rescoring the saved features: the shipped tree model
(:func:`bench_partial.fit_trees`, scikit-learn, evaluated by
:class:`align.qa.omission.Trees`; it reproduces ``bench_partial.py``'s
figures), and with ``--logistic`` the logistic model of rounds 9 to 17 for
comparison. ``--fit PATH`` also writes the tree model, as
``bench_partial.py --fit PATH`` would, without weighing the dev split again.

Printed per threshold: the technical deletion recall (mean of the three
seeds) and false flags per 1,000 untouched beads of each split, and the
maint-guide pages' recall and flags (dev zh-cn and held zh-tw; the issue's
"non-literary" target read on maint-guide alone). The saved data are
development documents: never commit DIR.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import pickle
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_partial as bp

SPLITS = ("dev", "held", "check")
SEEDS = (0, 1, 2)
TRIALS = 12


def _weighed_all(en: str, zh: str, centre: float, scale: float, encoder):
    """Every candidate of a bead, weighed whatever its confidence (a whole side as it is)."""
    from align.qa import omission as om

    wholes, jobs = om.bead_jobs(en, zh, centre, scale)
    return wholes + [o for found in om._weigh(jobs, encoder, None) for o in found]


def dump(root: Path, where: Path, beads: str = "paragraphs") -> None:
    from align.encoders import get_encoder

    encoder = get_encoder()
    where.mkdir(parents=True, exist_ok=True)
    dev = []
    for split in SPLITS:
        rngs = {seed: random.Random(seed) for seed in SEEDS}  # as bench_partial.py: one per seed, all documents
        docs = []
        for doc in bp.corpora(root, split):
            if doc.genre == "literary":
                continue
            if beads == "aligned":
                doc = bp.aligned(doc, encoder)
            centre, scale = doc.norm()

            def detect(en: str, zh: str, centre: float = centre, scale: float = scale):
                return _weighed_all(en, zh, centre, scale, encoder)

            untouched = [detect(en, zh) for en, zh in doc.beads]
            events = {seed: [e for _ in range(TRIALS) for e in bp.plant(doc, detect, 0.05, rngs[seed])]
                      for seed in SEEDS}
            docs.append((doc.name, doc.genre, untouched, events))
            if split == "dev":
                dev.append(doc)
            print(f"{split} {doc.name}: {len(doc.beads)} beads", file=sys.stderr, flush=True)
        (where / f"{split}.pkl").write_bytes(pickle.dumps(docs))
    (where / "train.pkl").write_bytes(pickle.dumps(bp.training_set(dev, encoder, random.Random(0))))


def _rescored_events(docs, conf, threshold):
    """The documents with each event's findings replaced by what the check would report."""
    from align.qa.omission import best_per_side, document_cutoff

    def chosen(found):
        return best_per_side([o if o.whole else dataclasses.replace(o, confidence=conf(o.features))
                      for o in found], threshold)

    out = []
    for name, genre, untouched, events in docs:
        kept = [chosen(f) for f in untouched]
        cut = document_cutoff([max(o.confidence for o in k) for k in kept if k], len(untouched))
        new = {seed: [dataclasses.replace(e, found=[o for o in chosen(e.found) if o.confidence >= cut])
                      for e in es] for seed, es in events.items()}
        out.append((name, genre, [[o for o in k if o.confidence >= cut] for k in kept], new))
    return out


def figures(docs, conf, threshold: float) -> tuple[float, float, list[int], list[float]]:
    """Mean deletion recall, false flags per 1,000, maint-guide [flags, beads], maint recall by seed."""
    docs = _rescored_events(docs, conf, threshold)
    recalls, maint_recall, ff, maint = [], [], 0.0, [0, 0]
    for seed in SEEDS:
        s = bp.Score()
        for name, genre, kept, events in docs:
            if genre != "technical":
                continue
            for k in kept:
                s.untouched_bead(name, bool(k))
            bp.score_events(s, events[seed], lambda o: True)
        recalls.append(s.deleted_found / max(1, s.deleted))
        ff = 1000 * s.false_flags / max(1, s.untouched)
        if "maint" in s.by_source:
            flags, beads, deleted, found = s.by_source["maint"]
            maint = [flags, beads]
            maint_recall.append(found / max(1, deleted))
    return float(np.mean(recalls)), ff, maint, maint_recall


def logistic(x, y, l2: float = 1.0):
    weights, bias = bp.fit_logistic(x, y, l2)
    w = np.asarray(weights)

    def conf(f) -> float:
        z = float(w @ np.asarray(f)) + bias
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))
    return conf


def trees(x, y):
    """The tree model :func:`bench_partial.fit_trees` fits, scored by the package's evaluator."""
    from functools import lru_cache

    from align.qa.omission import Trees

    model = Trees.from_dict(bp.fit_trees(x, y))
    return lru_cache(maxsize=None)(lambda f: float(model.proba(np.asarray(f))[0]))  # features are tuples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, metavar="MACDEV_DIR")
    parser.add_argument("--dump", type=Path, metavar="DIR")
    parser.add_argument("--load", type=Path, metavar="DIR")
    parser.add_argument("--beads", choices=("paragraphs", "aligned"), default="paragraphs",
                        help="with --dump: the beads, as bench_partial.py --beads")
    parser.add_argument("--logistic", action="store_true",
                        help="also the logistic model of rounds 9-17, refitted")
    parser.add_argument("--fit", type=Path, metavar="PATH",
                        help="write the tree model fitted on DIR's training set to PATH "
                             "(as bench_partial.py --fit, without weighing it again)")
    parser.add_argument("--sweep", type=float, nargs="+", default=[0.84, 0.88, 0.92])
    args = parser.parse_args(argv)
    if args.dump:
        dump(args.corpus, args.dump, args.beads)
    where = args.load or args.dump
    if where is None:
        parser.error("give --dump DIR or --load DIR")
    splits = {s: pickle.loads((where / f"{s}.pkl").read_bytes()) for s in SPLITS}
    x, y = pickle.loads((where / "train.pkl").read_bytes())
    if args.fit:
        bp.write_model(bp.fit_trees(x, y), args.fit)
    models = {"trees": trees(x, y)}
    if args.logistic:
        models["logistic"] = logistic(x, y)
    for label, conf in models.items():
        for t in args.sweep:
            parts, maint_total = [], [0, 0]
            for split, docs in splits.items():
                recall, ff, maint, maint_recall = figures(docs, conf, t)
                part = f"{split} {recall:.3f} / {ff:.1f}"
                if maint_recall:
                    maint_total = [a + b for a, b in zip(maint_total, maint, strict=True)]
                    part += f" (maint {np.mean(maint_recall):.3f} / {maint[0]} of {maint[1]})"
                parts.append(part)
            print(f"{label} {t:.2f}: maint-guide flags {maint_total[0]}/{maint_total[1]} = "
                  f"{1000 * maint_total[0] / max(1, maint_total[1]):.1f} per 1,000 | " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
