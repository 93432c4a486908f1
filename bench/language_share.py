"""How alignment degrades when one "language" side holds lines of the other.

The seed's English lines form the English file; the first k Chinese lines of
the seed are spread through it; the Chinese lines form the Chinese file. For
each k, prints the other-language share of the English file's lines (what
``align.read.language_share_warning`` measures) and the gaps reported. The
clean files (MAC-Dev both sides, the seeds) are measured too. The figures are
in docs/pipeline.md ("Both languages on one side").

    python bench/language_share.py [MAC_DEV_FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

from align.api import align_texts
from align.read import ERROR_SHARE, WARN_SHARE, other_language_lines, read_file, split_by_script

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"


def clean_shares(mac_dev: Path | None) -> None:
    """The other-language share of every clean file at hand."""
    files = [(ROOT / "seeds" / "003_1acb435d73729caa.txt", "en")]
    if mac_dev is not None:
        files += [(f, "zh") for d in ("src", "src_trad") for f in sorted((mac_dev / d).glob("*"))]
        files += [(f, "en") for f in sorted((mac_dev / "tgt").glob("*"))]
    for path, lang in files:
        other, total = other_language_lines(read_file(path)[0], lang)
        print(f"clean {path.parent.name}/{path.name} ({lang}): {other}/{total} = {other / total:.3f}")


def degradation() -> None:
    """Gaps against the share of Chinese lines in the English file."""
    by_lang = split_by_script(read_file(SEED)[0])
    en = [line for line in by_lang["en"] if line.strip()]
    zh = [line for line in by_lang["zh"] if line.strip()]
    for k in (0, 1, 2, 4, 8, 12, 18, 25, 36):
        lines = list(en)
        step = max(1, len(en) // max(k, 1))
        for i in range(k):
            lines.insert(min(len(lines), (i + 1) * step + i), zh[i])
        other, total = other_language_lines("\n".join(lines), "en")
        # align_texts: the strings are taken as given (files this mixed are refused by reading)
        result = align_texts("\n".join(lines), "\n".join(zh))
        refused = " (a file: refused)" if other >= ERROR_SHARE * total else ""
        print(f"k={k:2d} share={other / total:.3f} {len(result.gaps)} gaps{refused}")


def main() -> None:
    print(f"thresholds: warn {WARN_SHARE}, refuse {ERROR_SHARE}")
    clean_shares(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    degradation()


if __name__ == "__main__":
    main()
