"""How alignment time and memory grow with length, stage by stage.

    python bench/scale.py ../shared/data/mac-dev [--sizes 1000 5000 10000 30000 40000] [--distinct]
    python bench/scale.py ../shared/data/mac-dev --read [--sizes ...] [--distinct]   # reading only

Builds long inputs by repeating MAC-Dev's chapters (Chinese ``src/``, English
``tgt/``) until the Chinese side has N sentences, aligns them at sentence level
(as ``align pair --presplit`` does, with its QA checks, or ``--checks``; ``--distinct``
makes every repetition's text new to the cache, as a real book is) and prints, per N, the
CPU seconds (user + system, robust to other load on the machine) and the peak
RSS reached by the end of each stage, then the wall time of the whole run and
the growth exponents of CPU time and peak memory between the first size of at
least 5,000 and the last. Each size runs in a fresh process, so peak RSS is its
own, and so is its embedding cache (a new empty folder): every run is cold.
Without ``--distinct`` repeated text is embedded once (the encoder's cache
deduplicates), so the embed columns show the cost of distinct text; the other
stages see every sentence.

Stages: ``embed`` the sentence vectors, ``gloss`` the Chinese gloss view as
far as the main thread makes it (a long text's on demand, too) or waits for it (its thread, which runs beside
the stages that follow ``embed``, adds its CPU time to theirs), ``inputs`` the lengths, lexical bags and
quotation states of the sentence pass, ``spans`` the refinement pass's
joined-text span vectors, ``anchors`` the all-pairs top-k search and the
document context, ``score`` the band's bead scores, ``dp`` the recursions and
max-marginals, ``gaps`` the omission detector, ``qa`` the checks.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

STAGES = ("embed", "gloss", "spans", "inputs", "anchors", "score", "dp", "gaps", "qa")


def build(corpus: Path, n_zh: int, distinct: bool = False) -> tuple[str, str, list]:
    """English and Chinese texts (one sentence a line) of MAC-Dev repeated up to
    ``n_zh`` Chinese lines, and the gold beads (Chinese, English indices) of the whole.

    With ``distinct`` every repetition after the first ends each sentence with its
    number (" (2)", "（2）"), so no text is embedded twice: the cost of a real book.
    """
    from align.beadfile import read_beads

    chapters = sorted(p.name for p in (corpus / "src").iterdir())
    zh: list[str] = []
    en: list[str] = []
    gold: list = []
    rep = 0
    while len(zh) < n_zh:
        rep += 1
        for ch in chapters:
            z = (corpus / "src" / ch).read_text(encoding="utf-8").splitlines()
            e = (corpus / "tgt" / ch).read_text(encoding="utf-8").splitlines()
            if distinct and rep > 1:
                z = [f"{t}（{rep}）" if t.strip() else t for t in z]
                e = [f"{t} ({rep})" if t.strip() else t for t in e]
            gold += [(tuple(len(zh) + i for i in zb), tuple(len(en) + i for i in eb))
                     for zb, eb in read_beads(corpus / "gold" / f"{ch}.align")]
            zh += z
            en += e
            if len(zh) >= n_zh:
                break
    return "\n".join(en), "\n".join(zh), gold


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Profile:
    """Exclusive CPU and wall seconds per stage, and the peak RSS reached by each stage's end."""

    def __init__(self) -> None:
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.wall = dict.fromkeys(STAGES, 0.0)
        self.peak = dict.fromkeys(STAGES, 0.0)
        self._stack: list[tuple[str, float, float]] = []

    def wrap(self, owner, name: str, stage: str) -> None:
        """Count the time spent in ``owner.name`` (a function or method) as ``stage``."""
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                return inner(*args, **kwargs)  # the gloss view's thread: its time shows in CPU
            now, clock = _cpu(), time.perf_counter()
            if self._stack:  # pause the enclosing stage
                outer, since, since_clock = self._stack[-1]
                self.cpu[outer] += now - since
                self.wall[outer] += clock - since_clock
            self._stack.append((stage, now, clock))
            try:
                return inner(*args, **kwargs)
            finally:
                _, since, since_clock = self._stack.pop()
                now, clock = _cpu(), time.perf_counter()
                self.cpu[stage] += now - since
                self.wall[stage] += clock - since_clock
                self.peak[stage] = max(self.peak[stage], _peak_mb())
                if self._stack:
                    self._stack[-1] = (self._stack[-1][0], now, clock)
        setattr(owner, name, timed)

    def install(self) -> None:
        import align.api as api
        import align.qa as qa
        from align import core, embed, lexical
        self.wrap(api, "embed_documents", "embed")
        self.wrap(lexical, "gloss", "gloss")
        self.wrap(embed.GlossView, "take", "gloss")
        self.wrap(embed.Embedded, "_gloss_vectors", "gloss")  # a long text's, made on demand
        self.wrap(api.SentenceInputs, "of", "inputs")
        self.wrap(embed.Embedded, "spans", "spans")
        self.wrap(core, "top_k_links", "anchors")
        self.wrap(core, "heaviest_chain", "anchors")
        self.wrap(core.Lattice, "__init__", "score")
        for method in ("forward", "backward", "best_path", "competitive"):
            self.wrap(core.Lattice, method, "dp")
        self.wrap(api, "take_out_absorbed", "gaps")
        self.wrap(api, "gaps_from_beads", "gaps")
        self.wrap(qa, "run_checks", "qa")


def run_one(corpus: Path, n: int, distinct: bool = False, checks: str | None = None) -> dict:
    """Align one size in this process; the figures as a dict."""
    profile = Profile()
    profile.install()
    from align.api import align_texts
    from align.encoders import get_encoder
    from align.evaluate import score
    en, zh, gold = build(corpus, n, distinct)
    encoder = get_encoder()
    wall, cpu = time.perf_counter(), _cpu()
    from align.qa import PAIR_CHECKS
    result = align_texts(en, zh, presplit=True, encoder=encoder,
                         checks=list(PAIR_CHECKS) if checks is None else checks)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    test = [(b.zh, b.en) for b in result.sentence_beads]
    return {"zh": len(result.zh.sentences), "en": len(result.en.sentences),
            "wall": wall, "cpu": cpu, "peak": _peak_mb(), "f1": score(gold, test).strict.f1,
            "stage_cpu": profile.cpu, "stage_wall": profile.wall, "stage_peak": profile.peak}


def exponent(rows: list[dict], key) -> float:
    """log-log slope of ``key(row)`` against sentences, from the first row >= 5,000 to the last."""
    first = next((r for r in rows if r["zh"] >= 5000), rows[0])
    last = rows[-1]
    if last is first:
        return float("nan")
    return math.log(key(last) / key(first)) / math.log((last["zh"] + last["en"]) / (first["zh"] + first["en"]))


def report(rows: list[dict]) -> None:
    head = f"{'zh':>6} {'en':>6} " + " ".join(f"{s:>7}" for s in STAGES) + f" {'cpu_s':>7} {'wall_s':>7} {'F1':>6}"
    print("CPU seconds per stage")
    print(head)
    for r in rows:
        print(f"{r['zh']:>6} {r['en']:>6} " + " ".join(f"{r['stage_cpu'][s]:>7.1f}" for s in STAGES)
              + f" {r['cpu']:>7.1f} {r['wall']:>7.1f} {r['f1']:>6.3f}")
    print("wall seconds per stage (other: reading, splitting, the result)")
    print(f"{'zh':>6} {'en':>6} " + " ".join(f"{s:>7}" for s in STAGES) + f" {'other':>7}")
    for r in rows:
        wall = r.get("stage_wall", dict.fromkeys(STAGES, 0.0))
        print(f"{r['zh']:>6} {r['en']:>6} " + " ".join(f"{wall[s]:>7.1f}" for s in STAGES)
              + f" {r['wall'] - sum(wall.values()):>7.1f}")
    print("peak RSS (MB) by the end of each stage")
    print(f"{'zh':>6} {'en':>6} " + " ".join(f"{s:>7}" for s in STAGES) + f" {'peak':>7}")
    for r in rows:
        print(f"{r['zh']:>6} {r['en']:>6} " + " ".join(f"{r['stage_peak'][s]:>7.0f}" for s in STAGES)
              + f" {r['peak']:>7.0f}")
    if len(rows) > 1:
        print(f"growth exponent (time ~ n^k): cpu {exponent(rows, lambda r: r['cpu']):.2f}, "
              f"align stages {exponent(rows, lambda r: r['cpu'] - r['stage_cpu']['embed']):.2f}, "
              f"peak RSS {exponent(rows, lambda r: r['peak']):.2f}")


def time_reading(corpus: Path, sizes: list[int], distinct: bool) -> None:
    """Print the seconds that reading takes, presplit and plain, per size."""
    from align.read import documents_from_texts

    print(f"{'zh':>6} {'en':>6} {'presplit_s':>10} {'plain_s':>8}")
    for n in sizes:
        en, zh, _ = build(corpus, n, distinct)
        seconds = []
        for presplit in (True, False):
            start = time.perf_counter()
            documents_from_texts(en, zh, presplit=presplit)
            seconds.append(time.perf_counter() - start)
        print(f"{zh.count(chr(10)) + 1:>6} {en.count(chr(10)) + 1:>6} {seconds[0]:>10.2f} {seconds[1]:>8.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 30000, 40000])
    ap.add_argument("--distinct", action="store_true",
                    help="make every repetition's text distinct, so that the cache cannot deduplicate it")
    ap.add_argument("--checks", default=None,
                    help="QA checks to run, comma-separated, 'all' or 'none' (default: those of align pair)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run: print JSON
    ap.add_argument("--read", action="store_true",
                    help="only time reading each size's two texts, presplit and as plain text "
                         "(paragraphs and hard wraps found, sentences split)")
    args = ap.parse_args()
    if args.read:
        time_reading(args.corpus, args.sizes, args.distinct)
        return 0
    if args.one:
        print(json.dumps(run_one(args.corpus, args.one, args.distinct, args.checks)))
        return 0
    rows = []
    extra = (["--distinct"] if args.distinct else []) + ([] if args.checks is None else ["--checks", args.checks])
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as cache:  # every size from a cold cache of its own
            out = subprocess.run([sys.executable, __file__, str(args.corpus), "--one", str(n), *extra],
                                 env={**os.environ, "ALIGN_CACHE_DIR": cache},
                                 check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(f"  {rows[-1]['zh']} x {rows[-1]['en']}: {rows[-1]['cpu']:.1f} s CPU, "
              f"{rows[-1]['peak']:.0f} MB", file=sys.stderr, flush=True)
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
