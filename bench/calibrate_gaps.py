"""Does a gap's confidence mean what it says? Planted omissions on real text.

Usage::

    python bench/calibrate_gaps.py CORPUS_DIR [--rate 0.05] [--trials 2] [--seed 0] [--chapters 001 002 003]

For each MAC-Dev chapter and trial, the translation of a random ``rate`` of the
gold beads is deleted from one side (Chinese in even trials, English in odd
ones). The other side's sentences of those beads then have no counterpart, like
the units of the gold null beads. The chapter is aligned as ``--presplit``
does. Every sentence the aligner reports as a gap is then checked against
that truth.

Printed:

- per confidence bin: how many sentences were reported, and the share that truly
  have no counterpart (well calibrated: that share falls inside the bin);
- overall precision and recall of the reported sentences;
- the Brier score of the confidences.

The same is done on the seed article (``seeds/000_f1284998f700f5c0.txt``),
a news text with paragraphs:

- at paragraph level: in each trial the translation of two random paragraphs
  is deleted;
- at sentence level: in each trial one sentence is deleted inside a random
  paragraph of several sentences, on one side. Which sentence of the other
  side translated it is not known, so a reported sentence gap counts as real
  when it lies in that paragraph on the other side (at most one per trial is
  counted as found).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from align.beadfile import read_beads
from align.errors import AlignError

BINS = (0.0, 0.5, 0.8, 0.95, 0.99, 1.0001)
SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_f1284998f700f5c0.txt"


@dataclass
class Tally:
    """Reported units with their confidence and truth, and the units truly missing."""

    reported: list[tuple[float, bool]] = field(default_factory=list)
    truly_missing: int = 0
    found: int = 0

    def add(self, confidence: float, true: bool) -> None:
        self.reported.append((confidence, true))
        self.found += true

    def table(self) -> str:
        lines = [f"{'confidence':>12}  {'reported':>8}  {'truly missing':>13}"]
        for lo, hi in itertools.pairwise(BINS):
            rows = [t for c, t in self.reported if lo <= c < hi]
            share = f"{sum(rows) / len(rows):.2f}" if rows else "-"
            lines.append(f"{lo:>5.2f}-{min(hi, 1.0):<5.2f}  {len(rows):>8}  {share:>13}")
        n = len(self.reported)
        precision = self.found / n if n else 1.0
        recall = self.found / self.truly_missing if self.truly_missing else 1.0
        brier = sum((c - t) ** 2 for c, t in self.reported) / n if n else 0.0
        lines.append(f"precision {precision:.3f}  recall {recall:.3f} ({self.found} of "
                     f"{self.truly_missing})  Brier {brier:.3f}")
        return "\n".join(lines)


def delete_translations(zh: list[str], en: list[str], beads: Sequence[tuple[list[int], list[int]]],
                        rate: float, side: str, rng: random.Random
                        ) -> tuple[list[str], list[str], set[tuple[str, int]]]:
    """Drop ``side``'s half of a random ``rate`` of the non-null beads.

    Returns the new Chinese and English lines and the truly missing units as
    ``(only_in, index in the new text)``: the kept half of each dropped bead,
    and the units of the gold null beads.
    """
    pairs = [b for b in beads if b[0] and b[1]]
    dropped = rng.sample(pairs, max(1, round(rate * len(pairs))))
    gone = {k for b in dropped for k in (b[0] if side == "zh" else b[1])}
    orphans = {k for b in dropped for k in (b[1] if side == "zh" else b[0])}
    truth_zh = {k for z, e in beads if not e for k in z}
    truth_en = {k for z, e in beads if not z for k in e}
    if side == "zh":
        keep = [k for k in range(len(zh)) if k not in gone]
        new_index = {old: new for new, old in enumerate(keep)}
        truth = {("zh", new_index[k]) for k in truth_zh if k in new_index}
        truth |= {("en", k) for k in truth_en | orphans}
        return [zh[k] for k in keep], en, truth
    keep = [k for k in range(len(en)) if k not in gone]
    new_index = {old: new for new, old in enumerate(keep)}
    truth = {("en", new_index[k]) for k in truth_en if k in new_index}
    truth |= {("zh", k) for k in truth_zh | orphans}
    return zh, [en[k] for k in keep], truth


def mac_dev(corpus: Path, rate: float, trials: int, rng: random.Random, encoder,
            chapters: Sequence[str] | None = None) -> Tally:
    from align.api import align_texts

    tally = Tally()
    for gold in sorted((corpus / "gold").glob("*.align")):
        if chapters and gold.stem not in chapters:
            continue
        zh = (corpus / "src" / gold.stem).read_text(encoding="utf-8").splitlines()
        en = (corpus / "tgt" / gold.stem).read_text(encoding="utf-8").splitlines()
        beads = read_beads(gold)
        for trial in range(trials):
            side = "zh" if trial % 2 == 0 else "en"
            zh2, en2, truth = delete_translations(zh, en, beads, rate, side, rng)
            result = align_texts("\n".join(en2), "\n".join(zh2), presplit=True, encoder=encoder, checks=[])
            tally.truly_missing += len(truth)
            for gap in result.gaps:
                for k in gap.sentences:
                    tally.add(gap.confidence, (gap.only_in, k) in truth)
            print(f"{gold.stem} trial {trial} ({side} deleted): {len(result.gaps)} gaps",
                  file=sys.stderr, flush=True)
    return tally


def seed_body() -> tuple[list[str], list[str]]:
    """The seed's translated body: English lines 6-35 and the Chinese paragraphs
    that have an English counterpart, one paragraph each, in order."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    zh_only = {38, 48, 54, 56, 72, 74}
    en = [lines[k - 1] for k in range(6, 36) if lines[k - 1].strip()]
    zh = [lines[k - 1] for k in range(41, 76) if lines[k - 1].strip() and k not in zh_only]
    assert len(en) == len(zh), (len(en), len(zh))
    return en, zh


def seed_sentences(trials: int, rng: random.Random, encoder) -> Tally:
    """One sentence deleted inside a paragraph of the seed, per trial."""
    from align.api import align_texts
    from align.text import split_sentences

    en, zh = seed_body()
    tally = Tally()
    for trial in range(trials * 5):
        side = "zh" if trial % 2 == 0 else "en"
        paragraphs = zh if side == "zh" else en
        k = rng.choice([k for k, p in enumerate(paragraphs) if len(split_sentences(p, side)) > 1])
        sentences = split_sentences(paragraphs[k], side)
        drop = rng.randrange(len(sentences))
        shorter = ("" if side == "zh" else " ").join(t for i, t in enumerate(sentences) if i != drop)
        en2 = en if side == "zh" else [shorter if i == k else p for i, p in enumerate(en)]
        zh2 = zh if side == "en" else [shorter if i == k else p for i, p in enumerate(zh)]
        result = align_texts("\n\n".join(en2), "\n\n".join(zh2), encoder=encoder, checks=[])
        tally.truly_missing += 1
        found = False
        for gap in result.gaps:
            real = gap.level == "sentence" and gap.only_in != side and k in gap.paragraphs and not found
            found |= real
            tally.add(gap.confidence, real)
    return tally


def seed(trials: int, rng: random.Random, encoder) -> Tally:
    """Paragraph deletions on the seed's translated body."""
    from align.api import align_texts

    en, zh = seed_body()
    tally = Tally()
    for trial in range(trials * 3):
        dropped = set(rng.sample(range(len(en)), 2))
        side = "zh" if trial % 2 == 0 else "en"
        en2 = [p for k, p in enumerate(en) if side == "zh" or k not in dropped]
        zh2 = [p for k, p in enumerate(zh) if side == "en" or k not in dropped]
        kept = [k for k in range(len(en)) if k not in dropped]
        truth = {("en" if side == "zh" else "zh", k) for k in dropped}
        result = align_texts("\n\n".join(en2), "\n\n".join(zh2), encoder=encoder, checks=[])
        tally.truly_missing += len(truth)
        for gap in result.gaps:
            for p in gap.paragraphs:
                # the side that lost paragraphs is renumbered
                k = kept[p] if gap.only_in == side else p
                tally.add(gap.confidence, (gap.only_in, k) in truth)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--rate", type=float, default=0.05, help="share of beads whose translation is deleted")
    parser.add_argument("--trials", type=int, default=2, help="deletion draws per chapter")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--chapters", nargs="*", metavar="NAME",
                        help="MAC-Dev chapters to use (default: all; the detector's settings were chosen on 001-003)")
    args = parser.parse_args(argv)
    from align.encoders import get_encoder

    rng = random.Random(args.seed)
    try:
        encoder = get_encoder()
        mac = mac_dev(args.corpus, args.rate, args.trials, rng, encoder, args.chapters)
        article = seed(args.trials, rng, encoder)
        article_sentences = seed_sentences(args.trials, rng, encoder)
    except AlignError as exc:
        print(f"calibrate_gaps: error: {exc}", file=sys.stderr)
        return 2
    print(f"MAC-Dev, sentence gaps ({args.rate:.0%} of beads deleted, {args.trials} trials per chapter)")
    print(mac.table())
    print(f"\nSeed article, paragraph gaps (2 paragraphs deleted, {args.trials * 3} trials)")
    print(article.table())
    print(f"\nSeed article, sentence gaps (1 sentence deleted in a paragraph, {args.trials * 5} trials)")
    print(article_sentences.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
