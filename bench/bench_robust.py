"""The robustness table (issue 20) and time and memory on odd inputs (issue 8).

    python bench/bench_robust.py --table              # data-loss cases, then the long lines
    python bench/bench_robust.py --table --check-mb 1 10 --timeout 1800
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
* ``--table``: every data-loss case of docs/robustness.md run for real through
  ``python -m align`` (exit status, and whether any input or special file
  changed), then ``align check`` on one line of N MB a side (``--check-mb``):
  seconds and peak memory, watched from outside so that a run stopped at
  ``--timeout`` still reports its peak. Prints the Markdown table the note quotes.

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
import stat
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


def _align_cli(args: list[str], cwd: Path, timeout: float) -> tuple[int | None, float, int]:
    """Run ``python -m align ARGS``: (exit status or None if stopped, seconds, peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALIGN_CACHE_DIR": str(cwd / "cache")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "align", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None and time.perf_counter() - start < timeout:
        try:  # VmHWM: the peak resident set so far
            status = Path(f"/proc/{proc.pid}/status").read_text()
            peak = max(peak, int(status.split("VmHWM:")[1].split()[0]) // 1024)
        except (OSError, IndexError):
            pass
        time.sleep(0.2)
    code = proc.poll()
    if code is None:
        proc.kill()
        proc.wait()
    return code, time.perf_counter() - start, peak


def _fingerprint(folder: Path) -> dict[str, object]:
    """What must never change: every input's bytes, every special file's kind."""
    out: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.name in ("cache", "out"):
            continue
        mode = path.lstat().st_mode
        out[path.name] = (path.read_bytes() if stat.S_ISREG(mode) and not path.is_symlink()
                          else (stat.S_IFMT(mode), os.readlink(path) if path.is_symlink() else None))
    return out


# (case, arguments, expected exit status); inputs en.txt zh.txt corpus.en corpus.zh,
# m.tsv (a manifest of en.txt/zh.txt as "doc"), doc.html (an English input), a
# FIFO "pipe" with a reader, link.tsv -> zh.txt, a read-only old.tsv.
DATA_LOSS_CASES = [
    ("-o equal to an input", ["pair", "en.txt", "zh.txt", "-o", "en.txt", "-f", "tsv"], 2),
    ("-o ./zh.txt", ["pair", "en.txt", "zh.txt", "-o", "./zh.txt", "-f", "tsv"], 2),
    ("--json equal to an input", ["check", "en.txt", "zh.txt", "--json", "zh.txt"], 2),
    ("--html equal to an input", ["check", "en.txt", "zh.txt", "--html", "en.txt"], 2),
    ("-o link to an input", ["pair", "en.txt", "zh.txt", "-o", "link.tsv"], 2),
    ("moses prefix of both inputs", ["pair", "corpus.en", "corpus.zh", "-o", "corpus", "-f", "moses"], 2),
    ("batch --out = input folder, -f html", ["batch", "m.tsv", "--out", ".", "-f", "html", "-j", "1"], 2),
    ("batch manifest named summary.jsonl", ["batch", "summary.jsonl", "--out", ".", "-j", "1"], 2),
    ("--json X --html X", ["check", "en.txt", "zh.txt", "--json", "out/r", "--html", "out/r"], 2),
    ("--json /dev/null", ["check", "en.txt", "zh.txt", "--json", "/dev/null"], 1),
    ("-o a FIFO", ["pair", "en.txt", "zh.txt", "-o", "pipe", "-f", "tsv"], 0),
    ("-o a read-only file (kept 0444)", ["pair", "en.txt", "zh.txt", "-o", "old.tsv"], 0),
]


def _data_loss_folder(folder: Path) -> None:
    en_doc, zh_doc = corpus_sentences(Path("/nonexistent"))  # the seed's sentences
    en, zh = "\n\n".join(en_doc[:30]) + "\n", "\n\n".join(zh_doc[:30]) + "\n"
    for name, text in (("en.txt", en), ("zh.txt", zh), ("corpus.en", en), ("corpus.zh", zh),
                       ("doc.html", en), ("doc.zh", zh)):
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "m.tsv").write_text("doc.html\tdoc.zh\tdoc\n", encoding="utf-8")
    (folder / "summary.jsonl").write_text('{"en": "en.txt", "zh": "zh.txt", "id": "p"}\n', encoding="utf-8")
    (folder / "link.tsv").symlink_to("zh.txt")
    (folder / "old.tsv").write_text("old\n", encoding="utf-8")
    (folder / "old.tsv").chmod(0o444)
    (folder / "out").mkdir()
    os.mkfifo(folder / "pipe")


def data_loss_rows(timeout: float) -> list[str]:
    """One Markdown row per data-loss case: exit status, and what changed (must be nothing)."""
    import threading

    rows = []
    for case, args, expected in DATA_LOSS_CASES:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _data_loss_folder(folder)
            before = _fingerprint(folder)
            got: list[bytes] = []
            reader = threading.Thread(target=lambda f=folder, g=got: g.append((f / "pipe").read_bytes()),
                                      daemon=True)
            if "pipe" in args:
                reader.start()
            code, seconds, _ = _align_cli(args, folder, timeout)
            after = _fingerprint(folder)
            if "old.tsv" in args:  # the output itself: rewritten, mode kept
                changed_mode = (folder / "old.tsv").stat().st_mode & 0o777 != 0o444
                before.pop("old.tsv"), after.pop("old.tsv")
            else:
                changed_mode = False
            lost = sorted(k for k in before if after.get(k) != before[k]) + (["mode"] if changed_mode else [])
            extra = f"; the FIFO's reader got {len(got[0]) if got else 0} bytes" if "pipe" in args else ""
            rows.append(f"| {case} | {code} (expected {expected}) | {', '.join(lost) or 'none'}{extra} "
                        f"| {seconds:.1f} |")
    return rows


def check_line_rows(sizes: list[float], corpus: Path, timeout: float) -> list[str]:
    """``align check`` on one line of N MB a side: seconds and peak MB."""
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            en = make_inputs("split-en", size, folder, corpus)[0].rename(folder / "en.txt")
            zh = make_inputs("split-zh", size, folder, corpus)[0].rename(folder / "zh.txt")
            code, seconds, peak = _align_cli(["check", en.name, zh.name, "-q"], folder, timeout)
        status = f"exit {code}" if code is not None else f"stopped at {timeout:.0f} s"
        rows.append(f"| check, one line a side | {size:g} | {status} | {seconds:.0f} | {peak:,} |")
    return rows


def print_table(args: argparse.Namespace) -> None:
    print("| case | exit status | data lost | seconds |")
    print("|---|---|---|---:|")
    for row in data_loss_rows(args.timeout):
        print(row, flush=True)
    print()
    print("| pathological input | MB a side | result | seconds | peak MB |")
    print("|---|---:|---|---:|---:|")
    for row in check_line_rows(args.check_mb, args.corpus, args.timeout):
        print(row, flush=True)


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
    ap.add_argument("--table", action="store_true",
                    help="print the robustness table: data-loss cases, then check on long lines")
    ap.add_argument("--check-mb", type=float, nargs="+", default=[0.1, 1],
                    help="sizes of the one-line check case of --table (MB a side)")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds before a --table run is stopped")
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return 0
    if args.table:
        print_table(args)
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
