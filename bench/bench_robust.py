"""Time and memory on odd but valid inputs (issue 8): is anything quadratic?

    python bench/bench_robust.py                      # the default ladder (minutes)
    python bench/bench_robust.py --mb 10 --paragraphs 50000 --sentences 5000
    python bench/bench_robust.py --cases split-en split-zh --mb 1 2 5 10

Cases, each run in a fresh process so that its peak memory is its own:

* ``split-en`` / ``split-zh`` / ``split-bare``: read a file that is one line of
  N MB (English, Chinese, English without sentence punctuation) and build the
  document (paragraphs, sentences, normalisation): seconds, sentences, longest
  sentence, peak RSS.
* ``align-line``: align an English and a Chinese file that are one line each,
  N sentences a side (a single paragraph of N sentences).
* ``align-paragraphs``: align N one-sentence paragraphs a side.

Text: MAC-Dev's chapters (``../shared/data/mac-dev``, or ``--corpus``) repeated,
else the bundled seed. Alignment uses the default encoder with a fresh cache, so
repeated sentences are embedded once: the ``align`` column is the search itself.
Time per unit that stays flat as N doubles means linear.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAC_DEV = ROOT.parent / "shared" / "data" / "mac-dev"
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"


def corpus_sentences(corpus: Path) -> tuple[list[str], list[str]]:
    """(English, Chinese) sentences, one per line of the corpus or seed."""
    if (corpus / "src").is_dir():
        en, zh = [], []
        for chapter in sorted(p.name for p in (corpus / "src").iterdir()):
            zh += (corpus / "src" / chapter).read_text(encoding="utf-8").splitlines()
            en += (corpus / "tgt" / chapter).read_text(encoding="utf-8").splitlines()
        return en, zh
    from align.read import load_documents

    en_doc, zh_doc = load_documents(SEED)
    return [s.text for s in en_doc.sentences], [s.text for s in zh_doc.sentences]


def repeat(items: list[str], n: int) -> list[str]:
    return (items * (n // len(items) + 1))[:n]


def make_inputs(case: str, size: float, folder: Path, corpus: Path) -> list[Path]:
    en, zh = corpus_sentences(corpus)
    if case.startswith("split"):
        target = int(size * 1_000_000)  # bytes of UTF-8
        if case == "split-en":
            unit, sep = en, " "
        elif case == "split-zh":
            unit, sep = zh, ""
        else:
            unit, sep = [" ".join(s.rstrip(".!?\"'").replace(".", "") for s in en)], " "
        block = sep.join(unit)
        text = (block + sep) * (target // len(block.encode()) + 1)
        text = text.encode()[:target].decode("utf-8", "ignore")
        path = folder / f"{case}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        return [path]
    n = int(size)
    en_n = repeat(en, round(n * len(en) / len(zh)))
    zh_n = repeat(zh, n)
    sep_en, sep_zh = (" ", "") if case == "align-line" else ("\n\n", "\n\n")
    paths = [folder / "en.txt", folder / "zh.txt"]
    paths[0].write_text(sep_en.join(en_n) + "\n", encoding="utf-8")
    paths[1].write_text(sep_zh.join(zh_n) + "\n", encoding="utf-8")
    return paths


def child(case: str, paths: list[str]) -> None:
    """Run one case in this process and print its measurements as JSON."""
    t0 = time.perf_counter()
    out: dict[str, object] = {}
    if case.startswith("split"):
        from align.read import read_file
        from align.text import build_document

        text, _ = read_file(paths[0])
        doc = build_document(text.split("\n"), "zh" if case == "split-zh" else "en")
        out.update(sentences=len(doc.sentences), longest=max(len(s.text) for s in doc.sentences))
    else:
        from align.api import align_files
        from align.encoders import get_encoder

        result = align_files(paths[0], paths[1], encoder=get_encoder())
        out.update(sentences=len(result.en.sentences) + len(result.zh.sentences),
                   paragraphs=len(result.en.paragraphs) + len(result.zh.paragraphs),
                   beads=len(result.sentence_beads), **result.settings["timings"])
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["split-en", "split-zh", "split-bare",
                                                    "align-line", "align-paragraphs"])
    ap.add_argument("--mb", type=float, nargs="+", default=[1, 2, 5, 10],
                    help="sizes of the split cases (MB of UTF-8)")
    ap.add_argument("--sentences", type=int, nargs="+", default=[1000, 2000, 4000],
                    help="Chinese sentences of the align-line case")
    ap.add_argument("--paragraphs", type=int, nargs="+", default=[1000, 2000, 4000],
                    help="Chinese paragraphs of the align-paragraphs case")
    ap.add_argument("--corpus", type=Path, default=MAC_DEV)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return 0
    print(f"{'case':<17} {'size':>7} {'sentences':>9} {'seconds':>8} {'ms/1k sent':>10} "
          f"{'embed':>7} {'align':>7} {'peak MB':>8} {'longest':>7}")
    for case in args.cases:
        sizes = (args.mb if case.startswith("split") else
                 args.sentences if case == "align-line" else args.paragraphs)
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                paths = make_inputs(case, size, Path(tmp), args.corpus)
                env = {**os.environ, "ALIGN_CACHE_DIR": str(Path(tmp) / "cache")}
                proc = subprocess.run([sys.executable, __file__, "--child", case, *map(str, paths)],
                                      capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                print(f"{case:<17} {size:>7g} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            per = 1e6 * r["seconds"] / max(r["sentences"], 1)
            print(f"{case:<17} {size:>7g} {r['sentences']:>9} {r['seconds']:>8.2f} {per:>10.1f} "
                  f"{r.get('embed', ''):>7} {r.get('align', ''):>7} {r['peak_mb']:>8} "
                  f"{r.get('longest', ''):>7}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
