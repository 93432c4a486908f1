"""Align a corpus laid out like MAC-Dev and score it against its gold beads.

Usage::

    python bench/mac_dev.py CORPUS_DIR [--src src|src_trad] [--model NAME] [--no-cache] [--out DIR]
        [--checks LIST]   # default: the checks of align pair; all adds the omission check

The corpus holds ``src/NNN`` (Chinese, one sentence per line), ``tgt/NNN``
(English, one sentence per line) and ``gold/NNN.align`` (Chinese-first beads).
Each chapter is read in presplit mode, aligned with the library and scored; one
row is printed per chapter and one pooled row (``all``: micro-averaged scores,
summed seconds, largest peak memory). Seconds for embedding and aligning are the
library's own timings; total is the wall time of reading plus aligning. Peak
memory is the process's peak resident set so far (``ru_maxrss``), so it never
goes down from one row to the next.

``--out DIR`` writes the test beads to ``DIR/beads/NNN.align`` (score them again
with ``align eval --gold CORPUS_DIR/gold --test DIR/beads``) and every figure to
``DIR/bench.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from align.atomic import write_text
from align.beadfile import BeadPair, format_beads, read_beads
from align.errors import AlignError, InputError
from align.evaluate import Scores, pool, score
from align.models import Bead


@dataclass(frozen=True)
class ChapterRun:
    """The scores and costs of one chapter (or of all, pooled).

    Attributes:
        scores: the chapter's scores.
        embed_s: seconds spent embedding.
        align_s: seconds spent aligning (search and dynamic programme).
        total_s: wall seconds for reading and aligning the chapter.
        peak_mb: peak resident memory of the process so far, in MB.
    """

    scores: Scores
    embed_s: float
    align_s: float
    total_s: float
    peak_mb: float

    def to_dict(self) -> dict:
        """Scores and costs as plain JSON-ready values."""
        return {**self.scores.to_dict(), "seconds": {"embed": self.embed_s, "align": self.align_s,
                                                     "total": self.total_s},
                "peak_mb": self.peak_mb}


def zh_first(beads: Sequence[Bead]) -> list[BeadPair]:
    """Turn the library's sentence beads into Chinese-first bead pairs (MAC's gold order)."""
    return [(bead.zh, bead.en) for bead in beads]


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def chapters(corpus: Path, src: str) -> list[str]:
    """The chapter names of ``corpus`` (its gold files), checking their texts exist.

    Raises:
        InputError: no gold file, or a chapter lacks its Chinese or English text.
    """
    names = sorted(p.stem for p in (corpus / "gold").glob("*.align"))
    if not names:
        raise InputError(f"{corpus / 'gold'}: no .align files (expected a MAC-Dev style corpus)")
    missing = [str(corpus / side / name) for name in names for side in (src, "tgt")
               if not (corpus / side / name).is_file()]
    if missing:
        raise InputError(f"missing chapter texts: {', '.join(missing)}")
    return names


def score_chapter(name: str, gold: Sequence[BeadPair], beads: Sequence[Bead], *,
                  timings: dict[str, float], total_s: float, peak_mb: float) -> ChapterRun:
    """Score a chapter's sentence beads against its Chinese-first gold.

    Args:
        name: the chapter name.
        gold: the gold beads, Chinese side first.
        beads: the library's sentence beads.
        timings: the library's ``{"embed": s, "align": s}``.
        total_s: wall seconds for the chapter.
        peak_mb: peak memory so far.

    Returns:
        The :class:`ChapterRun`.
    """
    return ChapterRun(score(gold, zh_first(beads), name=name), timings["embed"],
                      timings["align"], total_s, peak_mb)


def pooled(runs: Sequence[ChapterRun]) -> ChapterRun:
    """The ``all`` row: micro-averaged scores, summed seconds, largest peak memory."""
    return ChapterRun(pool(run.scores for run in runs), sum(run.embed_s for run in runs),
                      sum(run.align_s for run in runs), sum(run.total_s for run in runs),
                      max(run.peak_mb for run in runs))


_HEADER = ("chapter", "strict_P", "strict_R", "strict_F1", "lax_F1", "null_P", "null_R",
           "embed_s", "align_s", "total_s", "peak_MB")


def format_table(runs: Sequence[ChapterRun]) -> str:
    """One row per chapter and a pooled ``all`` row, as fixed-width text."""
    rows: list[tuple[str, ...]] = [_HEADER]
    for run in (*runs, pooled(runs)):
        s = run.scores
        rows.append((s.name, *("n/a" if x is None else f"{x:.3f}" for x in (s.strict.precision, s.strict.recall,
                                                      s.strict.f1, s.lax.f1, s.null.precision,
                                                      s.null.recall)),
                     *(f"{x:.2f}" for x in (run.embed_s, run.align_s, run.total_s)),
                     f"{run.peak_mb:.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ) + "\n"


def run(corpus: Path, *, src: str, model: str | None, cache: bool,
        out: Path | None, vectors=None, checks: str | None = None) -> list[ChapterRun]:
    """Align and score every chapter of ``corpus``, telling progress on stderr.

    Raises:
        AlignError: bad corpus, encoder or input text.
    """
    names = chapters(corpus, src)
    from align.api import align_documents
    from align.encoders import get_encoder
    from align.qa import PAIR_CHECKS
    from align.read import load_documents

    if out is not None:
        (out / "beads").mkdir(parents=True, exist_ok=True)
    encoder = get_encoder(model, cache=cache)
    runs = []
    for name in names:
        start = time.perf_counter()
        en_doc, zh_doc = load_documents(corpus / src / name, corpus / "tgt" / name, presplit=True)
        alignment = align_documents(en_doc, zh_doc, encoder=encoder, vector_config=vectors,
                                    checks=list(PAIR_CHECKS) if checks is None else checks)
        total_s = time.perf_counter() - start
        runs.append(score_chapter(name, read_beads(corpus / "gold" / f"{name}.align"),
                                  alignment.sentence_beads, timings=alignment.settings["timings"],
                                  total_s=total_s, peak_mb=peak_memory_mb()))
        print(f"{name}: strict F1 {runs[-1].scores.strict.f1:.3f}, {total_s:.1f} s",
              file=sys.stderr, flush=True)
        if out is not None:
            write_text(out / "beads" / f"{name}.align", format_beads(zh_first(alignment.sentence_beads)))
    if out is not None:
        report = {"corpus": str(corpus), "src": src, "model": model,
                  "chapters": [r.to_dict() for r in runs], "all": pooled(runs).to_dict()}
        write_text(out / "bench.json", json.dumps(report, indent=2) + "\n")
    return runs


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the bench and print the table; 2 on bad input."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--src", choices=("src", "src_trad"), default="src",
                        help="folder of the Chinese text (src_trad: Traditional)")
    parser.add_argument("--model", default=None, help="encoder name (default: the library's)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the embedding cache")
    parser.add_argument("--out", type=Path, default=None, help="write beads and figures here")
    parser.add_argument("--no-centre", action="store_true", help="vectors: no per-document centring")
    parser.add_argument("--components", type=int, default=None, help="vectors: top components removed")
    parser.add_argument("--gloss", type=float, default=None, help="vectors: weight of the gloss view (0: off)")
    parser.add_argument("--no-gloss-spans", action="store_true", help="vectors: no gloss view of joined spans")
    parser.add_argument("--checks", default=None,
                        help="QA checks run with each chapter (default: those of align pair; 'all' adds omission)")
    args = parser.parse_args(argv)
    from dataclasses import replace

    from align.embed import VectorConfig
    vectors = replace(VectorConfig(), centre=not args.no_centre, gloss_spans=not args.no_gloss_spans,
                      **({} if args.components is None else {"components": args.components}),
                      **({} if args.gloss is None else {"gloss": args.gloss}))
    try:
        runs = run(args.corpus, src=args.src, model=args.model, cache=not args.no_cache,
                   out=args.out, vectors=vectors, checks=args.checks)
    except AlignError as exc:
        print(f"mac_dev: error: {exc}", file=sys.stderr)
        return 2
    print(format_table(runs), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
