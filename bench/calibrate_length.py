"""Recompute the constants of the ``length`` QA check from gold 1-1 beads.

Usage::

    python bench/calibrate_length.py [CORPUS_DIR]   # default ../shared/data/mac-dev

For every gold bead with one Chinese and one English sentence the log length
ratio ``r = log(zh units / en words)`` is taken (units as in
:mod:`align.qa.length`). Printed: the pooled mean and sd of ``r``; the sd of
``r`` around each chapter's median (the check centres on the document's own
median, since translators differ); a fit of that residual variance as
``A + B / n`` (``n`` = English words; short sentences vary more); and the share
of beads beyond each |z| threshold, i.e. the false-alarm rate on correct
translations. Copy the figures into ``align/qa/length.py`` and docs/qa.md.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from statistics import mean, median, pstdev

from align.beadfile import read_beads
from align.qa.length import MIN_EN_WORDS, en_words, log_ratio, sd_at, zh_units


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "shared" / "data" / "mac-dev"
    if not (root / "gold").is_dir():
        print(f"no gold/ folder in {root}", file=sys.stderr)
        return 2
    rows: list[tuple[str, float, int]] = []  # chapter, r, English words
    for gold in sorted((root / "gold").glob("*.align")):
        zh, en = _lines(root / "src" / gold.stem), _lines(root / "tgt" / gold.stem)
        for z, e in read_beads(gold):
            if len(z) == 1 and len(e) == 1:
                n = en_words(en[e[0]])
                if n >= 1 and zh_units(zh[z[0]]) >= 1:
                    rows.append((gold.stem, log_ratio(zh[z[0]], en[e[0]]), n))
    rs = [r for _, r, _ in rows]
    print(f"gold 1-1 beads: {len(rows)} in {len({c for c, _, _ in rows})} chapters")
    print(f"pooled log ratio: mean {mean(rs):.4f} sd {pstdev(rs):.4f} "
          f"(ratio {math.exp(mean(rs)):.3f} Chinese units per English word)")
    centre = {c: median(r for cc, r, _ in rows if cc == c) for c in {c for c, _, _ in rows}}
    for c in sorted(centre):
        print(f"  chapter {c}: median {centre[c]:.4f}")
    resid = [(r - centre[c], n) for c, r, n in rows if n >= MIN_EN_WORDS]
    print(f"residual sd (n >= {MIN_EN_WORDS} English words, {len(resid)} beads): "
          f"{pstdev([d for d, _ in resid]):.4f}")
    # Variance against 1/n by least squares over bins of similar length.
    bins: list[tuple[float, float, int]] = []
    ordered = sorted(resid, key=lambda t: t[1])
    size = max(20, len(ordered) // 10)
    for i in range(0, len(ordered), size):
        chunk = ordered[i:i + size]
        if len(chunk) < size // 2:
            continue
        var = sum(d * d for d, _ in chunk) / len(chunk)
        bins.append((1 / mean(n for _, n in chunk), var, len(chunk)))
    xm = sum(x * w for x, _, w in bins) / sum(w for *_, w in bins)
    ym = sum(y * w for _, y, w in bins) / sum(w for *_, w in bins)
    b = (sum(w * (x - xm) * (y - ym) for x, y, w in bins)
         / sum(w * (x - xm) ** 2 for x, _, w in bins))
    a = ym - b * xm
    print(f"variance fit: A = {a:.4f}, B = {b:.4f}  (sd = sqrt(A + B / n))")
    for x, y, w in bins:
        print(f"  n ~ {1 / x:5.1f}: sd {math.sqrt(y):.3f} (fit {math.sqrt(max(a + b * x, 1e-9)):.3f}, {w} beads)")
    zs = [d / sd_at(n) for d, n in resid]
    for t in (2.0, 2.5, 3.0, 3.5, 4.0, 4.5):
        share = sum(abs(z) >= t for z in zs) / len(zs)
        print(f"|z| >= {t}: {share:.2%} of gold beads (with the constants in align/qa/length.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
