"""Batch throughput: pairs/s and sentences/s of ``align batch`` by worker count.

Every chapter of a sentence-per-line corpus (``src/NNN`` Chinese, ``tgt/NNN``
English: MAC-Dev's six chapters, about 3,400 sentences) is one pair, aligned
presplit with JSON output by ``align batch`` in a new process, for each worker
count. Each count runs twice: *cold*, with a new empty embedding cache (the
encoder does all the work), then *warm*, with that cache filled (alignment and
output only). Times are wall-clock for the whole command: start-up, worker
start-up and model loading included, as a user sees them. One worker runs in the
``align`` process with the encoder's default BLAS threads; more workers are
processes with one BLAS thread each. "pairs' own seconds" sums the time spent
inside each pair (a worker's first pair includes loading its encoder; process
start-up is not counted).

Usage::

    python bench/bench_batch.py /work/shared/data/mac-dev [--workers 1,2] [--dask]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(corpus: Path, cache_dir: str, workers: int, scheduler: str | None) -> dict:
    """Run ``align batch`` over the corpus once, in a new process; the figures of that run."""
    from align.batch import read_summary

    env = {**os.environ, "ALIGN_CACHE_DIR": cache_dir}
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "align", "batch", "--en-dir", str(corpus / "tgt"),
                   "--zh-dir", str(corpus / "src"), "--out", out, "--presplit", "--formats", "json",
                   "--workers", str(workers), "-q"]
        if scheduler:
            command += ["--scheduler", scheduler]
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        records = read_summary(Path(out) / "summary.jsonl")
    if done.returncode != 0:
        raise SystemExit(f"align batch failed ({done.returncode}): {done.stdout}{done.stderr}")
    sentences = sum(r["en_sentences"] + r["zh_sentences"] for r in records)
    return {"workers": workers, "scheduler": scheduler or "processes", "pairs": len(records),
            "sentences": sentences, "seconds": round(seconds, 2),
            "pairs_per_s": round(len(records) / seconds, 3),
            "sentences_per_s": round(sentences / seconds, 1),
            "pair_seconds": round(sum(r["seconds"] for r in records), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with src/ (Chinese) and tgt/ (English)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--dask", action="store_true", help="also run each count on a Dask LocalCluster")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines")
    args = parser.parse_args()
    rows = []
    schedulers = [None, "local"] if args.dask else [None]
    for workers in (int(w) for w in args.workers.split(",")):
        for scheduler in schedulers:
            with tempfile.TemporaryDirectory() as cache:
                for state in ("cold", "warm"):
                    row = {"cache": state, **one_run(args.corpus, cache, workers, scheduler)}
                    rows.append(row)
                    if args.json:
                        print(json.dumps(row))
                    else:
                        print(f"{row['scheduler']:>9} workers={workers} cache={state:<4}  "
                              f"{row['seconds']:7.2f} s  {row['pairs_per_s']:6.3f} pairs/s  "
                              f"{row['sentences_per_s']:7.1f} sentences/s  "
                              f"(pairs' own seconds: {row['pair_seconds']:6.2f}) "
                              f"({row['pairs']} pairs, {row['sentences']} sentences, cpus={os.cpu_count()})",
                              flush=True)


if __name__ == "__main__":
    main()
