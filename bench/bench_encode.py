"""Encoding speed with and without the embedding cache.

Encodes every sentence of a sentence-per-line corpus (``src/*`` Chinese, made
Simplified with :func:`align.text.normalize_zh`; ``tgt/*`` English) twice with a
fresh cache in a temporary directory: once cold (nothing cached), once again with
a new encoder object (everything cached). Prints sentences per second, cache
counts and the process's peak resident memory.

Usage::

    python bench/bench_encode.py /work/shared/data/mac-dev [--model NAME] [--batch-size N]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with src/ and tgt/ sentence files")
    parser.add_argument("--model", help="encoder name or sentence-transformers model")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    run(args.corpus, args.model, args.batch_size)


if __name__ == "__main__":
    main()
