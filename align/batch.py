"""Corpus-scale alignment: many document pairs, one summary.

A *plan* is a list of :class:`PairSpec` (from a manifest, :func:`read_manifest`,
or two folders, :func:`pairs_from_dirs`); a pair is two files, or one file
holding both languages. :func:`align_pair` aligns one pair and writes its
outputs; it is pure (paths in, files out, a summary record back) and never
raises, so one function serves every way of running a plan:

- :func:`run_batch` with a local process pool (the default) or in-process
  (``workers=1``);
- :func:`run_batch` on Dask (``scheduler="local"`` or ``"tcp://host:port"``);
- job arrays (Slurm), each job running one shard (``shard=(i, n)``).

Every finished pair is appended at once to the summary (``summary.jsonl``, one
JSON object per line), and at the end the summary is rewritten atomically in
plan order, one line per pair. A run cut short therefore leaves a summary whose
complete lines are true; ``resume=True`` skips every pair whose latest line says
``ok`` for the same settings and whose output files all exist. Nothing here
prints: the CLI (``align batch``) renders progress and the table.

Example::

    from align.batch import BatchOptions, read_manifest, run_batch
    report = run_batch(read_manifest("corpus.tsv").pairs, "out/",
                       options=BatchOptions(formats=("json", "tmx")), workers=4)
    [r["id"] for r in report.failed]
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AlignError, InputError, UsageError, missing_extra

__all__ = [
    "SUMMARY", "BatchOptions", "BatchReport", "Manifest", "ManifestError", "PairSpec",
    "align_pair", "output_paths", "pairs_from_dirs", "parse_shard", "read_manifest",
    "read_summary", "run_batch", "summary_path",
]

#: The summary file of an unsharded run; shard ``i`` of ``n`` writes
#: ``summary.shard-<i>-of-<n>.jsonl`` (see :func:`summary_path`).
SUMMARY = "summary.jsonl"

#: Format name -> file suffix of ``<id><suffix>`` (Moses writes ``<id>.en`` and ``<id>.zh``).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "json": (".json",),
    "tmx": (".tmx",),
    "tsv": (".tsv",),
    "jsonl": (".jsonl",),
    "beads": (".beads",),
    "html": (".html",),
    "moses": (".en", ".zh"),
}

# A pair id becomes a file name: no separators, no leading dot (hidden and
# temporary files start with one), no control characters.
_ID = re.compile(r"[^\x00-\x1f/\\.][^\x00-\x1f/\\]*")
_THREAD_ENVS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_MAX_ERROR = 500  # characters of an error message kept in the summary
_CONNECT_TIMEOUT_S = 30  # to reach a running Dask scheduler
_WATCHDOG_S = 0.5  # how often a pool worker checks that its parent is alive


class ManifestError(InputError):
    """The manifest (or the folder pair) cannot be used; the CLI exits with 2."""


@dataclass(frozen=True)
class PairSpec:
    """One document pair to align.

    Attributes:
        id: names the outputs (``<id>.json``...) and the summary line.
        en: the English file (absolute path), or the one file holding both
            languages when ``zh`` is None.
        zh: the Chinese file (absolute path), or None: ``en`` holds both
            languages, read as ``align check FILE`` reads one file. The two
            files may come in either order: languages are detected, as in
            ``align check``.
    """

    id: str
    en: str
    zh: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """The input files: one mixed file, or the two of the pair."""
        return (self.en,) if self.zh is None else (self.en, self.zh)


@dataclass(frozen=True)
class BatchOptions:
    """What to do with each pair (the options of ``align check``/``align pair``).

    Attributes:
        formats: output formats, keys of :data:`align.exporters.FORMATS`.
        presplit: the input has one sentence per line.
        model: the sentence encoder (:func:`align.encoders.get_encoder`); None
            for the default.
        cache: use the shared on-disk embedding cache.
        src_lang: the source side of the exports (TMX ``srclang``, first column...).
        zh_lang: the language tag written for Chinese; None derives it from the script.
        device: the torch device of a sentence-transformers ``model`` (None: cuda
            when available).
    """

    formats: tuple[str, ...] = ("json",)
    presplit: bool = False
    model: str | None = None
    cache: bool = True
    src_lang: str = "en"
    zh_lang: str | None = None
    device: str | None = None

    def validated(self) -> BatchOptions:
        """A copy with format names checked, lower-cased and de-duplicated.

        Raises:
            UsageError: an unknown format, or none at all; a device that is no
                torch device, or not the CPU for a built-in encoder.
        """
        from .exporters import FORMATS

        names: list[str] = []
        for fmt in self.formats:
            name = fmt.strip().lower()
            if name not in FORMATS:
                raise UsageError(f"unknown output format {fmt!r}: use one or more of "
                                 f"{', '.join(sorted(FORMATS))}, separated by commas")
            if name not in names:
                names.append(name)
        if not names:
            raise UsageError("no output format: give at least one, e.g. --format json")
        from .encoders import checked_device

        return replace(self, formats=tuple(names), device=checked_device(self.device, self.model))


@dataclass(frozen=True)
class Manifest:
    """The pairs of a plan, and the files left without a partner (folder mode)."""

    pairs: tuple[PairSpec, ...]
    unmatched: tuple[str, ...] = ()


@dataclass
class BatchReport:
    """The outcome of :func:`run_batch`.

    Attributes:
        records: one summary record per pair of the plan, in plan order (for a
            skipped pair, its earlier record).
        skipped: ids not aligned again because ``resume`` found them done.
        summary: the summary file written.
        seconds: wall-clock time of the run.
    """

    records: list[dict[str, Any]]
    skipped: list[str]
    summary: Path
    seconds: float

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The records of pairs that failed."""
        return [r for r in self.records if r.get("status") != "ok"]

    @property
    def with_gaps(self) -> list[dict[str, Any]]:
        """The records of aligned pairs with text in one language only."""
        return [r for r in self.records
                if r.get("status") == "ok" and (r.get("gaps_en") or r.get("gaps_zh"))]


# --- plans -------------------------------------------------------------------------

def _check_id(pair_id: str, where: str) -> str:
    if not _ID.fullmatch(pair_id):
        raise ManifestError(f"{where}: id {pair_id!r} cannot name a file (no '/', '\\', "
                            "control characters or leading '.')")
    return pair_id


def _unique(pairs: list[tuple[PairSpec, str]]) -> tuple[PairSpec, ...]:
    seen: dict[str, str] = {}
    for pair, where in pairs:
        if pair.id in seen:
            raise ManifestError(f"{where}: id {pair.id!r} is already used at {seen[pair.id]}; "
                                "give each pair its own id (third column, or \"id\" in JSONL)")
        seen[pair.id] = where
    if not pairs:
        raise ManifestError("the manifest lists no pairs")
    return tuple(pair for pair, _ in pairs)


def _resolve(base: Path, name: str) -> str:
    path = Path(name).expanduser()
    return os.fspath(path if path.is_absolute() else (base / path).absolute())


def _default_id(en: str) -> str:
    return Path(en).stem or Path(en).name


_TSV_FORM = ("expected en_path<TAB>zh_path[<TAB>id], or one file holding both languages: "
             "path[<TAB><TAB>id]")
_TSV_HEADERS = (["en", "zh"], ["en", "zh", "id"])


def _tsv_fields(line: str, where: str, *, header: bool) -> tuple[str, str | None, str | None] | None:
    """``(first path, second path or None, id or None)`` of a TSV line.

    One field is a file holding both languages; three with an empty middle one,
    the same with an id. With ``header`` (the first entry) a header line gives None.
    """
    cells = [c.strip() for c in line.split("\t")]
    if header and [c.lower() for c in cells] in _TSV_HEADERS:
        return None
    if len(cells) == 1 and cells[0]:
        return cells[0], None, None
    if len(cells) == 2 and all(cells):
        return cells[0], cells[1], None
    if len(cells) == 3 and cells[0] and cells[2]:
        return cells[0], cells[1] or None, cells[2]
    count = "1 tab-separated field" if len(cells) == 1 else f"{len(cells)} tab-separated fields"
    empty = " (one of them empty)" if len(cells) in (2, 3) else ""
    raise ManifestError(f"{where}: {_TSV_FORM}, found {count}{empty}")


def _jsonl_fields(line: str, where: str) -> tuple[str, str | None, str | None]:
    """``(first path, second path or None, id or None)`` of a JSONL line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{where}: not a JSON object ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ManifestError(f"{where}: not a JSON object")

    def path(value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())

    if "file" in row:
        if "en" in row or "zh" in row:
            raise ManifestError(f"{where}: give \"file\" (one file holding both languages) or "
                                "\"en\" and \"zh\", not both")
        if not path(row["file"]):
            raise ManifestError(f"{where}: \"file\" must be a path, as a string")
        paths: tuple[str, str | None] = (row["file"].strip(), None)
    elif path(row.get("en")) and path(row.get("zh")):
        paths = (row["en"].strip(), row["zh"].strip())
    else:
        raise ManifestError(f"{where}: needs \"en\" and \"zh\" paths as strings, or \"file\" "
                            "for one file holding both languages")
    raw_id = row.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        raise ManifestError(f"{where}: \"id\" must be a string or a number")
    return paths[0], paths[1], None if raw_id is None else str(raw_id)


def _manifest_text(file: Path) -> str:
    """The text of a manifest file.

    Raises:
        ManifestError: the file is missing, a folder, unreadable or not UTF-8.
    """
    try:
        return file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{file}: no such manifest; check the path") from None
    except IsADirectoryError:
        raise ManifestError(f"{file} is a folder; give a manifest file, or use "
                            "--en-dir and --zh-dir") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{file}: the manifest is not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError(f"cannot read {file}: {exc.strerror or exc}") from None


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read a TSV or JSONL manifest.

    A row names either two files (English and Chinese, in either order) or one
    file holding both languages (as ``align check FILE`` reads it). TSV:
    ``en_path<TAB>zh_path[<TAB>id]``, or ``path`` / ``path<TAB><TAB>id`` for one
    file. JSONL: ``{"en": ..., "zh": ..., "id": ...}``, or ``{"file": ...,
    "id": ...}`` (other keys are ignored). Lines starting with ``#`` and blank
    lines are skipped, as is a TSV header line ``en<TAB>zh[<TAB>id]``. Relative
    paths are relative to the manifest's folder; the id defaults to the first
    file's name stem. The format is JSONL for ``.jsonl``/``.ndjson``/``.json``
    files and for files whose first entry starts with ``{``, else TSV. Files are
    not opened here: a missing one fails its pair, not the batch.

    Raises:
        ManifestError: the manifest is missing or unreadable, a line is malformed,
            an id is duplicated or cannot name a file, or no pair is listed.
    """
    file = Path(path)
    text = _manifest_text(file)
    base = file.parent.absolute()
    lines = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), 1)]
    entries = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    jsonl = file.suffix.lower() in (".jsonl", ".ndjson", ".json") or bool(
        entries and entries[0][1].lstrip().startswith("{"))
    pairs: list[tuple[PairSpec, str]] = []
    for number, line in entries:
        where = f"{file}:{number}"
        fields = _jsonl_fields(line, where) if jsonl else _tsv_fields(line, where, header=not pairs)
        if fields is None:  # the header line
            continue
        first_name, second_name, pair_id = fields
        first = _resolve(base, first_name)
        second = None if second_name is None else _resolve(base, second_name)
        pair_id = _check_id(pair_id.strip() if pair_id else _default_id(first), where)
        pairs.append((PairSpec(pair_id, first, second), where))
    return Manifest(_unique(pairs))


def pairs_from_dirs(en_dir: str | os.PathLike[str], zh_dir: str | os.PathLike[str]) -> Manifest:
    """Pair the files of two folders by name stem (``en/001.txt`` with ``zh/001.txt``).

    Hidden files and sub-folders are ignored; files without a partner are
    returned in :attr:`Manifest.unmatched`.

    Raises:
        ManifestError: a folder is missing, two files of one folder share a
            stem, or no file has a partner.
    """
    stems: list[dict[str, Path]] = []
    for folder in (Path(en_dir), Path(zh_dir)):
        if not folder.is_dir():
            raise ManifestError(f"{folder}: no such folder")
        files: dict[str, Path] = {}
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            if entry.stem in files:
                raise ManifestError(f"{folder}: {files[entry.stem].name} and {entry.name} have "
                                    "the same name stem; pairs are matched by stem")
            files[entry.stem] = entry
        stems.append(files)
    en_files, zh_files = stems
    pairs = [(PairSpec(_check_id(stem, os.fspath(en_files[stem])), os.fspath(en_files[stem].absolute()),
                       os.fspath(zh_files[stem].absolute())), os.fspath(en_files[stem]))
             for stem in sorted(en_files.keys() & zh_files.keys())]
    unmatched = sorted(os.fspath(f) for files, other in ((en_files, zh_files), (zh_files, en_files))
                       for stem, f in files.items() if stem not in other)
    if not pairs:
        raise ManifestError(f"no file of {en_dir} has a partner of the same name stem in {zh_dir}")
    return Manifest(_unique(pairs), tuple(unmatched))


def parse_shard(text: str) -> tuple[int, int]:
    """``"3/8"`` -> ``(3, 8)``: shard 3 (0-based) of 8.

    Raises:
        UsageError: not ``i/N`` with ``0 <= i < N``.
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not int(match[1]) < int(match[2]):
        raise UsageError(f"invalid shard {text!r}: use i/N with 0 <= i < N, e.g. "
                         "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT")
    return int(match[1]), int(match[2])


def summary_path(out_dir: str | os.PathLike[str], shard: tuple[int, int] | None = None) -> Path:
    """The summary a run writes: ``summary.jsonl``, or one file per shard."""
    name = SUMMARY if shard is None else f"summary.shard-{shard[0]}-of-{shard[1]}.jsonl"
    return Path(out_dir) / name


def output_paths(pair_id: str, out_dir: str | os.PathLike[str], formats: Iterable[str]) -> list[Path]:
    """The files a pair's outputs go to: ``<out_dir>/<id><suffix>`` per format."""
    return [Path(out_dir) / f"{pair_id}{suffix}" for fmt in formats for suffix in SUFFIXES[fmt]]


# --- one pair ----------------------------------------------------------------------

_local = threading.local()  # one encoder per worker thread (Dask may run several)


def _limit_threads() -> None:
    """One BLAS thread in this process: the batch runs one pair per core."""
    for env in _THREAD_ENVS:
        os.environ[env] = "1"  # read by encoders built after this point
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # numpy's BLAS, already loaded


def _watch_parent(parent: int, interval: float = _WATCHDOG_S) -> None:
    """End this worker process as soon as ``parent`` is gone (killed, even by SIGKILL).

    A daemon thread polls the parent's pid: once the worker has been handed to
    another process (init or a subreaper), its pairs would never be recorded, so
    it exits at once instead of finishing them while holding memory and the cache.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="align-parent-watchdog", daemon=True).start()


def _init_worker(options: BatchOptions, parent: int | None = None) -> None:
    """Process-pool initializer: die with the parent, one thread, the encoder built once.

    Workers ignore Ctrl-C: the parent alone handles it, and stops them.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _watch_parent(parent)
    _limit_threads()
    _worker_encoder(options)


def _worker_encoder(options: BatchOptions) -> Any:
    """This thread's encoder for ``options``, built on first use and kept."""
    key = (options.model, options.cache, options.device)
    encoders = getattr(_local, "encoders", None)
    if encoders is None:
        encoders = _local.encoders = {}
    if key not in encoders:
        from .encoders import get_encoder

        encoders[key] = get_encoder(options.model, cache=options.cache, device=options.device)
    return encoders[key]


def _one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if not isinstance(exc, AlignError):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return message if len(message) <= _MAX_ERROR else message[:_MAX_ERROR - 3] + "..."


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(pair: PairSpec, options: BatchOptions) -> dict[str, Any]:
    return {"id": pair.id, "en": pair.en, "zh": pair.zh, "en_sentences": None, "zh_sentences": None,
            "beads": None, "gaps_en": None, "gaps_zh": None, "seconds": 0.0, "status": "failed",
            "error": None, "formats": list(options.formats), "presplit": options.presplit,
            "model": options.model, "warnings": [], "finished": None}


def align_pair(pair: PairSpec, out_dir: str | os.PathLike[str], options: BatchOptions, *,
               encoder: Any = None) -> dict[str, Any]:
    """Align one pair and write its outputs into ``out_dir``; never raises.

    Args:
        pair: the files and the id naming the outputs.
        out_dir: an existing folder.
        options: formats and alignment options (already :meth:`~BatchOptions.validated`).
        encoder: the sentence encoder; None builds one for ``options`` in this
            thread on first use and keeps it for the next pairs.

    Returns:
        The summary record: ``id``, ``en``, ``zh`` (the pair's paths, ``zh`` None
        for one mixed file), ``en_sentences``,
        ``zh_sentences``, ``beads`` (sentence beads), ``gaps_en``, ``gaps_zh``,
        ``seconds``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (one line, or
        None), plus ``formats``, ``presplit``, ``model``, ``warnings`` (exporter
        warnings) and ``finished`` (UTC time). A failed pair's output files are
        removed, so ``out_dir`` never holds a stale result for it.
    """
    start = time.perf_counter()
    record = _record(pair, options)
    outputs = output_paths(pair.id, out_dir, options.formats)
    try:
        from .api import align_files
        from .atomic import protect_inputs
        from .exporters import export

        result = align_files(pair.en, pair.zh, presplit=options.presplit,
                             encoder=encoder if encoder is not None else _worker_encoder(options))
        gaps_en = sum(g.only_in == "en" for g in result.gaps)
        record.update(en_sentences=len(result.en.sentences), zh_sentences=len(result.zh.sentences),
                      beads=len(result.sentence_beads), gaps_en=gaps_en,
                      gaps_zh=len(result.gaps) - gaps_en)
        with protect_inputs(pair.files):  # an output never replaces an input
            for fmt in options.formats:
                target = Path(out_dir) / f"{pair.id}{SUFFIXES[fmt][0] if fmt != 'moses' else ''}"
                record["warnings"] += export(result, target, fmt, src_lang=options.src_lang,
                                             **({"zh_lang": options.zh_lang} if options.zh_lang else {})).warnings
        record["status"] = "ok"
    except Exception as exc:
        record["error"] = _one_line(exc)
        for path in outputs:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
    record["seconds"] = round(time.perf_counter() - start, 3)
    record["finished"] = _now()
    return record


def _dask_align_pair(pair: PairSpec, out_dir: str, options: BatchOptions) -> dict[str, Any]:
    """:func:`align_pair` on a Dask worker: one BLAS thread per task thread."""
    if not getattr(_local, "limited", False):
        _limit_threads()
        _local.limited = True
    return align_pair(pair, out_dir, options)


# --- summaries ---------------------------------------------------------------------

def read_summary(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a summary file; a missing file gives none.

    Lines that are not JSON objects with an ``id`` (a line cut short when a run
    was killed) are skipped.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            records.append(record)
    return records


def _latest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Per id, the most recent record of every summary in ``out_dir`` (any shard)."""
    latest: dict[str, dict[str, Any]] = {}
    for path in sorted(out_dir.glob("summary*.jsonl")):
        for record in read_summary(path):
            old = latest.get(record["id"])
            if old is None or str(record.get("finished") or "") >= str(old.get("finished") or ""):
                latest[record["id"]] = record
    return latest


def _done(record: dict[str, Any] | None, pair: PairSpec, out_dir: Path, options: BatchOptions) -> bool:
    """Whether ``record`` shows ``pair`` aligned with these options, all outputs present."""
    return (record is not None and record.get("status") == "ok"
            and record.get("en") == pair.en and record.get("zh") == pair.zh
            and bool(record.get("presplit")) == options.presplit and record.get("model") == options.model
            and all(p.is_file() for p in output_paths(pair.id, out_dir, options.formats)))


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


# --- running a plan ----------------------------------------------------------------

def _size(pair: PairSpec) -> int:
    total = 0
    for name in pair.files:
        try:
            total += os.stat(name).st_size
        except OSError:
            pass
    return total


def _failure(pair: PairSpec, options: BatchOptions, exc: BaseException) -> dict[str, Any]:
    """The record of a pair whose worker died (the pair's own errors never get here)."""
    record = _record(pair, options)
    record["error"] = f"worker failed: {_one_line(exc)}"
    record["finished"] = _now()
    return record


def _run_inline(todo: Sequence[PairSpec], out_dir: str, options: BatchOptions) -> Iterator[dict[str, Any]]:
    for pair in todo:
        yield align_pair(pair, out_dir, options)


def _run_pool(todo: Sequence[PairSpec], out_dir: str, options: BatchOptions,
              workers: int) -> Iterator[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: workers start clean on every platform (no fork of a threaded parent).
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(options, os.getpid()))
    finished = False
    try:
        futures = {pool.submit(align_pair, pair, out_dir, options): pair for pair in todo}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:
                yield _failure(futures[future], options, exc)
        finished = True
    finally:
        if not finished:  # interrupted: do not wait for the pairs under way
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(scheduler: str, workers: int) -> tuple[Any, Any]:
    """Connect to Dask (``"local"``: start a LocalCluster): ``(client, cluster or None)``.

    Raises:
        EncoderError: Dask is not installed.
        UsageError: the scheduler cannot be reached.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise missing_extra("dask", "dask") from None
    import logging

    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR,
                                   env={env: "1" for env in _THREAD_ENVS})
            return Client(cluster), cluster
        return Client(scheduler, timeout=_CONNECT_TIMEOUT_S), None
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {_one_line(exc)}") from None


def _run_dask(todo: Sequence[PairSpec], out_dir: str, options: BatchOptions,
              connection: tuple[Any, Any]) -> Iterator[dict[str, Any]]:
    from dask.distributed import as_completed

    client, cluster = connection
    try:
        stamp = f"{os.getpid()}-{time.time_ns()}"
        futures = {client.submit(_dask_align_pair, pair, out_dir, options, pure=False,
                                 key=f"align-pair-{pair.id}-{stamp}"): pair for pair in todo}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:
                yield _failure(futures[future], options, exc)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _start(todo: Sequence[PairSpec], out: Path, options: BatchOptions, scheduler: str | None,
           workers: int) -> Iterator[dict[str, Any]]:
    """The records of ``todo`` as they finish (the biggest pairs are started first).

    Everything that can fail before the first pair (reaching Dask) happens here,
    before the summary is touched.
    """
    ordered = sorted(todo, key=_size, reverse=True)  # the last pair to finish is a short one
    if not todo:
        return iter(())
    if scheduler is not None:
        return _run_dask(ordered, os.fspath(out.absolute()), options, _dask_client(scheduler, workers))
    if workers == 1:
        return _run_inline(ordered, os.fspath(out), options)
    return _run_pool(ordered, os.fspath(out.absolute()), options, workers)


def _refuse_overwrites(pairs: Sequence[PairSpec], out: Path, summary: Path, options: BatchOptions,
                       manifest: str | os.PathLike[str] | None) -> None:
    """Refuse a run whose summary or outputs would replace an input or the manifest.

    Files are compared by device and inode (a path spelled otherwise, or a link, is caught).

    Raises:
        UsageError: an output path is an input file or the manifest.
    """
    from .atomic import file_identity as identity

    inputs = {key: os.fspath(name) for name in [*(n for p in pairs for n in p.files), manifest]
              if name is not None and (key := identity(name)) is not None}
    targets = [summary, *(path for pair in pairs for path in output_paths(pair.id, out, options.formats))]
    for target in targets:
        key = identity(target)
        if key is not None and key in inputs:
            what = "the manifest" if manifest is not None and key == identity(manifest) else "an input"
            raise UsageError(f"{target} is {what} ({inputs[key]}): this run would overwrite it; "
                             "give another -o/--output folder")


def _plan(pairs: Sequence[PairSpec], out: Path, options: BatchOptions, workers: int | None,
          shard: tuple[int, int] | None) -> tuple[Sequence[PairSpec], Path, Path]:
    """Check the options of :func:`run_batch`: ``(pairs of the shard, out, summary)``.

    Raises:
        UsageError: see :func:`run_batch`.
    """
    if shard is not None:
        index, count = shard
        if not 0 <= index < count:
            raise UsageError(f"invalid shard {index}/{count}: use i/N with 0 <= i < N")
        pairs = list(pairs)[index::count]
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o/--output {out} is a file; give a folder")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    for pair in pairs:
        if any(p.name.startswith("summary") and p.suffix == ".jsonl"
               for p in output_paths(pair.id, out, options.formats)):
            raise UsageError(f"pair id {pair.id!r} would overwrite the batch summary: rename it")
    return pairs, out, summary_path(out, shard)


def run_batch(pairs: Sequence[PairSpec], out_dir: str | os.PathLike[str], *,
              options: BatchOptions | None = None, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False,
              shard: tuple[int, int] | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None,
              on_start: Callable[[list[PairSpec], list[str]], None] | None = None,
              manifest: str | os.PathLike[str] | None = None) -> BatchReport:
    """Align every pair of a plan, writing ``<id>.<ext>`` files and a summary into ``out_dir``.

    Args:
        pairs: the plan (:func:`read_manifest`, :func:`pairs_from_dirs`).
        out_dir: the output folder, created if missing.
        options: formats and alignment options (default: JSON only).
        workers: processes (default ``os.cpu_count()``, never more than pairs to
            do); 1 runs in this process. For ``scheduler="local"``, the number of
            Dask workers.
        scheduler: None for a local process pool; ``"local"`` for a Dask
            LocalCluster; ``"tcp://host:port"`` for an existing Dask cluster (its
            workers must see the same paths and have ``align`` installed).
        resume: skip pairs whose latest summary record (in any ``summary*.jsonl``
            of ``out_dir``) is ``ok`` for the same files, presplit and model, and
            whose outputs all exist.
        shard: ``(i, n)``: only pairs ``i, i+n, i+2n...`` of the plan, summary in
            ``summary.shard-<i>-of-<n>.jsonl``.
        on_result: called in this process with each new record as it arrives
            (completion order), e.g. to show progress.
        on_start: called once with the pairs to do and the ids skipped.
        manifest: the manifest the pairs came from, never overwritten.

    Returns:
        The :class:`BatchReport`; failed pairs are in it, never raised.

    Raises:
        UsageError: bad options, ``out_dir`` is a file, an id would overwrite the
            summary, an output would overwrite an input or the manifest, or the
            Dask scheduler cannot be reached (then no file is touched: the
            summary of an earlier run is kept).
        EncoderError: Dask is not installed.
    """
    options = (options or BatchOptions()).validated()
    pairs, out, summary = _plan(pairs, Path(out_dir), options, workers, shard)
    _refuse_overwrites(pairs, out, summary, options, manifest)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create -o/--output {out}: {exc.strerror or exc}") from None

    start = time.perf_counter()
    previous = _latest(out) if resume else {}
    todo = [p for p in pairs if not _done(previous.get(p.id), p, out, options)]
    todo_ids = {p.id for p in todo}
    skipped = [p.id for p in pairs if p.id not in todo_ids]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    results = _start(todo, out, options, scheduler, workers)  # may fail: nothing written yet
    records = _log_results(results, pairs, previous, summary, manifest, fresh=not resume,
                           on_start=None if on_start is None else lambda: on_start(todo, skipped),
                           on_result=on_result)
    return BatchReport([r for r in records if r is not None], skipped, summary,
                       round(time.perf_counter() - start, 3))


def _log_results(results: Iterator[dict[str, Any]], pairs: Sequence[PairSpec],
                 previous: dict[str, dict[str, Any]], summary: Path,
                 manifest: str | os.PathLike[str] | None, *, fresh: bool,
                 on_start: Callable[[], None] | None,
                 on_result: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any] | None]:
    """Append each record to the summary as it arrives, then rewrite the summary in
    plan order; returns the record of each pair (None: neither new nor earlier)."""
    from .atomic import protect_inputs, write_text

    new: dict[str, dict[str, Any]] = {}
    try:
        with protect_inputs([manifest]):
            if fresh:
                write_text(summary, "")  # a fresh run starts a fresh summary
            if on_start is not None:
                on_start()
            with open(summary, "a", encoding="utf-8") as log:
                for record in results:
                    new[record["id"]] = record
                    log.write(_line(record))  # one write per line: a kill loses at most this line
                    log.flush()
                    if on_result is not None:
                        on_result(record)
    finally:
        if isinstance(results, Generator):
            results.close()  # stop the workers now, also on KeyboardInterrupt
        # Plan order, one line per pair: new records, else earlier ones; pairs not
        # reached (interrupted) keep their earlier record, if any.
        records = [new.get(p.id) or previous.get(p.id) for p in pairs]
        write_text(summary, "".join(_line(r) for r in records if r is not None))
    return records
