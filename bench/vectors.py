"""How well do the processed vectors find each unit's translation? (P@1)

Usage::

    python bench/vectors.py [--mac CORPUS_DIR] [--maint zh-tw,zh-cn] [--chapters 001,002]

For each gold 1-1 pair, is the Chinese unit's nearest English unit in the same
document its partner? Printed per variant of :class:`align.embed.VectorConfig`:

- MAC-Dev: sentences of each chapter (gold 1-1 beads), Simplified and Traditional;
- maint-guide: paragraphs of each page (the k-th ``<p>`` s correspond), the
  paragraph vector being the normalised sum of its sentence vectors, as the
  aligner's paragraph pass uses.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

VARIANTS = {
    "raw": dict(centre=False, gloss=0.0),
    "centred": dict(centre=True, gloss=0.0),
    "centred-pc1": dict(centre=True, components=1, gloss=0.0),
    "centred-pc3": dict(centre=True, components=3, gloss=0.0),
    "gloss0.5": dict(centre=False, gloss=0.5),
    "centred+gloss0.3": dict(centre=True, gloss=0.3),
    "centred+gloss0.5": dict(centre=True, gloss=0.5),
    "centred+gloss0.7": dict(centre=True, gloss=0.7),
    "centred+gloss1.0": dict(centre=True, gloss=1.0),
    "centred-pc1+gloss0.5": dict(centre=True, components=1, gloss=0.5),
}


def p_at_1(zh: np.ndarray, en: np.ndarray, pairs: list[tuple[int, int]]) -> tuple[int, int]:
    """(hits, pairs): zh row i's best en row is j."""
    if not pairs:
        return 0, 0
    zi = np.array([i for i, _ in pairs])
    best = (zh[zi] @ en.T).argmax(axis=1)
    return int(sum(b == j for b, (_, j) in zip(best, pairs, strict=True))), len(pairs)


class Raw:
    """Raw vectors of one document pair, for every variant to process."""

    def __init__(self, encoder, en_doc, zh_doc) -> None:
        from align.embed import encode
        from align.lexical import gloss

        self.en_doc, self.zh_doc = en_doc, zh_doc
        self.en = encode(encoder, [s.norm for s in en_doc.sentences])
        self.zh = encode(encoder, [s.norm for s in zh_doc.sentences])
        self.gloss = encode(encoder, [gloss(s.norm) or s.norm for s in zh_doc.sentences])

    def vectors(self, config):
        from align.embed import Processing

        proc = Processing.fit(config, self.en, self.zh, self.gloss if config.gloss else None)
        return proc.apply("en", self.en), proc.apply("zh", self.zh, self.gloss if config.gloss else None)


def mac_docs(corpus: Path, src: str, chapters: list[str] | None):
    from align.beadfile import read_beads
    from align.read import load_documents

    for gold in sorted((corpus / "gold").glob("*.align")):
        name = gold.stem
        if chapters and name not in chapters:
            continue
        en, zh = load_documents(corpus / src / name, corpus / "tgt" / name, presplit=True)
        pairs = [(z[0], e[0]) for z, e in read_beads(gold) if len(z) == 1 and len(e) == 1]
        yield name, en, zh, pairs


def run(sets, encoder) -> dict[str, dict[str, tuple[int, int]]]:
    """{set name: {variant: (hits, n)}}: sets are (name, level, [(en, zh, pairs)])."""
    from align.embed import VectorConfig, paragraph_vectors

    table: dict[str, dict[str, tuple[int, int]]] = {}
    for set_name, level, docs in sets:
        raws = [(Raw(encoder, en, zh), pairs) for en, zh, pairs in docs]
        for variant, kw in VARIANTS.items():
            config = VectorConfig(**kw)
            hits = n = 0
            for raw, pairs in raws:
                ev, zv = raw.vectors(config)
                if level == "paragraph":
                    ev, zv = paragraph_vectors(raw.en_doc, ev), paragraph_vectors(raw.zh_doc, zv)
                h, k = p_at_1(zv, ev, pairs)
                hits, n = hits + h, n + k
            table.setdefault(set_name, {})[variant] = (hits, n)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mac", type=Path, default=None, help="MAC-Dev corpus folder")
    parser.add_argument("--chapters", default="", help="comma-separated MAC-Dev chapters (default all)")
    parser.add_argument("--maint", default="zh-tw", help="maint-guide variants, comma-separated ('' none)")
    args = parser.parse_args(argv)
    from align.encoders import get_encoder

    encoder = get_encoder()
    sets = []
    chapters = [c for c in args.chapters.split(",") if c] or None
    if args.mac:
        for src in ("src", "src_trad"):
            docs = [(en, zh, pairs) for _, en, zh, pairs in mac_docs(args.mac, src, chapters)]
            sets.append((f"mac-{src}", "sentence", docs))
    for variant in filter(None, args.maint.split(",")):
        from maint_guide import documents, pages

        docs = []
        for _, en_p, zh_p in pages(variant):
            en, zh = documents(en_p, zh_p)
            docs.append((en, zh, [(k, k) for k in range(len(en.paragraphs))]))
        sets.append((f"maint-{variant}", "paragraph", docs))
    t = time.perf_counter()
    table = run(sets, encoder)
    names = list(table)
    print("variant".ljust(24) + "".join(n.rjust(16) for n in names))
    for variant in VARIANTS:
        row = [table[n][variant] for n in names]
        print(variant.ljust(24) + "".join(f"{h / max(k, 1):.3f} ({k})".rjust(16) for h, k in row))
    print(f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
