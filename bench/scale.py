"""How alignment time and memory grow with length.

    python bench/scale.py ../shared/data/mac-dev [--sizes 1000 3000 10000]

Builds long inputs by repeating MAC-Dev's chapters (Chinese ``src/``, English
``tgt/``) until the Chinese side has N sentences, aligns them at sentence level
(as ``--presplit`` does) and prints seconds (embedding and aligning) and peak
memory for each N. Repeated text is embedded once (the cache), so the align
column shows the cost of the search itself.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from align.api import align_texts
from align.encoders import get_encoder


def build(corpus: Path, n_zh: int) -> tuple[str, str]:
    chapters = sorted(p.name for p in (corpus / "src").iterdir())
    zh, en = [], []
    while len(zh) < n_zh:
        for ch in chapters:
            zh += (corpus / "src" / ch).read_text(encoding="utf-8").splitlines()
            en += (corpus / "tgt" / ch).read_text(encoding="utf-8").splitlines()
            if len(zh) >= n_zh:
                break
    return "\n".join(en), "\n".join(zh)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    args = ap.parse_args()
    encoder = get_encoder()
    print(f"{'zh_sents':>8} {'en_sents':>8} {'embed_s':>8} {'align_s':>8} {'align_ms/sent':>13} {'peak_MB':>8}")
    for n in args.sizes:
        en, zh = build(args.corpus, n)
        result = align_texts(en, zh, presplit=True, encoder=encoder)
        timings = result.settings["timings"]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ns, ms = len(result.zh.sentences), len(result.en.sentences)
        print(f"{ns:>8} {ms:>8} {timings['embed']:>8.2f} {timings['align']:>8.2f} "
              f"{1000 * timings['align'] / (ns + ms):>13.3f} {peak:>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
