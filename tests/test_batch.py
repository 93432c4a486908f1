"""``align batch`` and :mod:`align.batch`: manifests, the process pool, Dask,
failure isolation, resume and shards, on real pairs (the seed article and
MAC-Dev chapters, shortened to keep the tests quick)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from align import batch
from align.batch import (
    BatchOptions,
    BatchReport,
    ManifestError,
    PairSpec,
    output_paths,
    pairs_from_dirs,
    parse_shard,
    read_manifest,
    read_summary,
    run_batch,
)
from align.cli import main
from align.errors import EncoderError, UsageError

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_f1284998f700f5c0.txt"
CHAPTERS = ("004", "005", "006")


def _lines(path: Path, first: int, last: int) -> str:
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[first - 1:last]) + "\n"


@pytest.fixture(scope="module")
def seed_pair(tmp_path_factory) -> Path:
    """The seed article as two files (English lines 6-35, Chinese 41-75), plus a
    binary file, in one folder."""
    folder = tmp_path_factory.mktemp("seed")
    (folder / "en.txt").write_text(_lines(SEED, 6, 35), encoding="utf-8")
    (folder / "zh.txt").write_text(_lines(SEED, 41, 75), encoding="utf-8")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 8)
    return folder


@pytest.fixture(scope="module")
def mac_pairs(tmp_path_factory, mac_dev) -> Path:
    """Three presplit MAC-Dev chapters, each cut to its first 60 (zh) / 70 (en)
    lines, in ``zh/`` and ``en/`` with a TSV manifest beside them."""
    folder = tmp_path_factory.mktemp("mac")
    for lang, sub, last in (("zh", "src", 60), ("en", "tgt", 70)):
        (folder / lang).mkdir()
        for name in CHAPTERS:
            (folder / lang / f"{name}.txt").write_text(_lines(mac_dev / sub / name, 1, last),
                                                       encoding="utf-8")
    (folder / "mac.tsv").write_text(
        "# MAC-Dev chapters\n" + "".join(f"en/{n}.txt\tzh/{n}.txt\tch{n}\n" for n in CHAPTERS),
        encoding="utf-8")
    return folder


def _summary(out: Path, name: str = "summary.jsonl") -> dict[str, dict]:
    return {r["id"]: r for r in read_summary(out / name)}


# --- manifests ---------------------------------------------------------------------

def test_tsv_manifest(tmp_path):
    (tmp_path / "m.tsv").write_text(
        "en\tzh\tid\n# a comment\n\nen/a.txt\tzh/a.txt\n/abs/b.en\t/abs/b.zh\tbee\r\n", encoding="utf-8")
    plan = read_manifest(tmp_path / "m.tsv")
    assert plan.pairs == (PairSpec("a", str(tmp_path / "en/a.txt"), str(tmp_path / "zh/a.txt")),
                          PairSpec("bee", "/abs/b.en", "/abs/b.zh"))


def test_jsonl_manifest(tmp_path):
    (tmp_path / "m.jsonl").write_text(
        '{"en": "x/one.txt", "zh": "y/one.txt"}\n# skipped\n{"en": "e2", "zh": "z2", "id": 7, "note": 1}\n',
        encoding="utf-8")
    plan = read_manifest(tmp_path / "m.jsonl")
    assert [(p.id, p.en) for p in plan.pairs] == [("one", str(tmp_path / "x/one.txt")),
                                                  ("7", str(tmp_path / "e2"))]


def test_mixed_file_rows(tmp_path):
    """A row of one file holding both languages: TSV one field (or an empty
    second one before the id), JSONL "file"."""
    (tmp_path / "m.tsv").write_text("en\tzh\tid\nseed.txt\n/abs/other.txt\t\tnamed\nen/a.txt\tzh/a.txt\n",
                                    encoding="utf-8")
    assert read_manifest(tmp_path / "m.tsv").pairs == (
        PairSpec("seed", str(tmp_path / "seed.txt")), PairSpec("named", "/abs/other.txt", None),
        PairSpec("a", str(tmp_path / "en/a.txt"), str(tmp_path / "zh/a.txt")))
    (tmp_path / "m.jsonl").write_text('{"file": "x/seed.txt"}\n{"file": "y.txt", "id": "why"}\n',
                                      encoding="utf-8")
    pairs = read_manifest(tmp_path / "m.jsonl").pairs
    assert pairs == (PairSpec("seed", str(tmp_path / "x/seed.txt")), PairSpec("why", str(tmp_path / "y.txt")))
    assert [p.files for p in pairs] == [(str(tmp_path / "x/seed.txt"),), (str(tmp_path / "y.txt"),)]


@pytest.mark.parametrize("text, message", [
    ("a.txt\t\n", "found 2 tab-separated fields \\(one of them empty\\)"),
    ("\tb\tid\n", "found 3 tab-separated fields \\(one of them empty\\)"),
    ("a\tb\t\n", "found 3"),
    ("a\tb\tc\td\n", "found 4"),
    ("a\tb\tdup\nc\td\tdup\n", "already used"),
    ("a\tb\t../evil\n", "cannot name a file"),
    ("a\tb\t.hidden\n", "cannot name a file"),
    ("# nothing\n", "lists no pairs"),
    ('{"en": "a"}\n', "needs \"en\" and \"zh\" paths as strings, or \"file\""),
    ('{"file": "a", "en": "b"}\n', "not both"),
    ('{"file": " "}\n', "\"file\" must be a path"),
    ('{"en": "a", "zh": "b"}\n{not json\n', "not a JSON object"),
    ('{"en": "a", "zh": "b", "id": [1]}\n', "must be a string"),
])
def test_bad_manifest(tmp_path, text, message):
    path = tmp_path / "m.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(path)


def test_bad_manifest_exits_2(tmp_path, capsys):
    (tmp_path / "m.tsv").write_text("seed.txt\nen.txt\tzh.txt\tid\textra\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "m.tsv"), "--out", str(tmp_path / "out")]) == 2
    assert main(["batch", str(tmp_path / "missing.tsv"), "--out", str(tmp_path / "out")]) == 2
    assert main(["batch", "--out", str(tmp_path / "out")]) == 2  # neither manifest nor folders
    err = capsys.readouterr().err
    assert "m.tsv:2: expected en_path<TAB>zh_path" in err and "no such manifest" in err
    assert not (tmp_path / "out").exists()


def test_bad_row_beside_a_mixed_row_is_one_error(tmp_path, capsys):
    """A malformed row stops the batch with one line naming it, mixed rows or not."""
    (tmp_path / "m.tsv").write_text(f"{SEED}\n{SEED}\t{SEED}\tx\ty\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "m.tsv"), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("align: ") and "m.tsv:2: expected" in err[0]
    assert "or one file holding both languages" in err[0] and "found 4 tab-separated fields" in err[0]
    assert not (tmp_path / "out").exists()


def test_pairs_from_dirs(tmp_path):
    for folder, names in (("en", ["001.txt", "002.txt", "only-en.txt", ".hidden"]),
                          ("zh", ["001.txt", "002.md", "only-zh"])):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).write_text("x", encoding="utf-8")
    plan = pairs_from_dirs(tmp_path / "en", tmp_path / "zh")
    assert [(p.id, Path(p.zh).name) for p in plan.pairs] == [("001", "001.txt"), ("002", "002.md")]
    assert [Path(u).name for u in plan.unmatched] == ["only-en.txt", "only-zh"]
    (tmp_path / "zh" / "001.md").write_text("x", encoding="utf-8")
    with pytest.raises(ManifestError, match="same name stem"):
        pairs_from_dirs(tmp_path / "en", tmp_path / "zh")


@pytest.mark.parametrize("text, expected", [("0/1", (0, 1)), ("3/8", (3, 8)), (" 1 / 2 ", (1, 2)),
                                            ("2/2", None), ("1", None), ("-1/2", None), ("a/b", None)])
def test_parse_shard(text, expected):
    if expected is None:
        with pytest.raises(UsageError, match="invalid shard"):
            parse_shard(text)
    else:
        assert parse_shard(text) == expected


def test_output_paths_and_options(tmp_path):
    names = [p.name for p in output_paths("ch1", tmp_path, ("json", "beads", "moses"))]
    assert names == ["ch1.json", "ch1.beads", "ch1.en", "ch1.zh"]
    assert BatchOptions((" JSON", "tmx", "json")).validated().formats == ("json", "tmx")
    with pytest.raises(UsageError, match="unknown output format 'docx'"):
        BatchOptions(("json", "docx")).validated()
    with pytest.raises(UsageError, match="overwrite the batch summary"):
        run_batch([PairSpec("summary", "a", "b")], tmp_path, options=BatchOptions(("jsonl",)))


# --- the CLI forwards its flags ----------------------------------------------------

def test_cli_flags_reach_run_batch(tmp_path, monkeypatch):
    seen = {}

    def fake(pairs, out, **kwargs):
        seen.update(kwargs, pairs=pairs, out=out)
        kwargs["on_start"](list(pairs), [])
        return BatchReport([], [], Path(out) / "summary.jsonl", 0.0)

    monkeypatch.setattr(batch, "run_batch", fake)
    (tmp_path / "m.tsv").write_text("a\tb\nc\td\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "m.tsv"), "-o", str(tmp_path / "out"), "--formats", "json,tmx",
                 "--presplit", "--no-cache", "-m", "use-m3", "--workers", "3", "--scheduler", "local",
                 "--resume", "--shard", "1/3"]) == 0
    assert seen["options"] == BatchOptions(("json", "tmx"), True, "use-m3", False)
    assert (seen["workers"], seen["scheduler"], seen["resume"], seen["shard"]) == (3, "local", True, (1, 3))
    assert [p.id for p in seen["pairs"]] == ["a", "c"]


@pytest.mark.parametrize("records, flags, code", [
    ([{"status": "ok", "gaps_en": 1, "gaps_zh": 0}], [], 0),  # gaps alone do not fail a batch
    ([{"status": "ok", "gaps_en": 1, "gaps_zh": 0}], ["--fail-on-gaps"], 1),
    ([{"status": "ok", "gaps_en": 0, "gaps_zh": 0}], ["--fail-on-gaps"], 0),
    ([{"status": "failed", "error": "boom"}], [], 1),
])
def test_exit_status(tmp_path, monkeypatch, records, flags, code):
    base = {"id": "a", "en": "a", "zh": "b", "en_sentences": None, "zh_sentences": None, "beads": None,
            "gaps_en": None, "gaps_zh": None, "seconds": 0.0, "error": None}
    report = BatchReport([{**base, **r} for r in records], [], tmp_path / "summary.jsonl", 0.0)
    monkeypatch.setattr(batch, "run_batch", lambda *a, **k: report)
    (tmp_path / "m.tsv").write_text("a\tb\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "m.tsv"), "-o", str(tmp_path), *flags]) == code


def test_dask_missing(monkeypatch, tmp_path, seed_pair):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    pair = PairSpec("seed", str(seed_pair / "en.txt"), str(seed_pair / "zh.txt"))
    with pytest.raises(EncoderError, match=r'pip install "align\[dask\]"'):
        run_batch([pair], tmp_path, scheduler="local", workers=1)


# --- real runs ---------------------------------------------------------------------

def test_process_pool_isolates_failures(seed_pair, tmp_path, capsys):
    """Two worker processes; a binary file and a missing file fail their own pairs only."""
    (seed_pair / "m.tsv").write_text("en.txt\tzh.txt\tseed\nen.txt\tblob.txt\tbinary\n"
                                     "gone.txt\tzh.txt\tmissing\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["batch", str(seed_pair / "m.tsv"), "--out", str(out), "--workers", "2",
                 "--formats", "json,tsv"])
    assert code == 1
    summary = _summary(out)
    assert list(summary) == ["seed", "binary", "missing"]  # manifest order
    seed = summary["seed"]
    assert seed["status"] == "ok" and seed["error"] is None
    assert (seed["en_sentences"], seed["zh_sentences"]) == (40, 47)
    assert seed["beads"] > 30 and seed["gaps_zh"] >= 1  # the Chinese has lines the English lacks
    assert json.loads((out / "seed.json").read_text(encoding="utf-8"))["signature"]
    assert (out / "seed.tsv").read_text(encoding="utf-8").count("\n") > 30
    assert summary["binary"]["status"] == "failed" and "not a text file" in summary["binary"]["error"]
    assert summary["missing"]["status"] == "failed" and "no such file" in summary["missing"]["error"]
    assert not list(out.glob("binary.*")) and not list(out.glob("missing.*"))
    printed = capsys.readouterr().out
    assert "3 pairs: 1 ok" in printed and "2 failed" in printed and "seed" in printed


def test_mixed_file_row_on_the_seed(tmp_path, capsys, monkeypatch):
    """A manifest row naming the bilingual seed alone is aligned as ``align check
    FILE`` reads it: outputs, summary record (``zh`` null), the gold's beads; a
    row naming an English-only file fails that pair with one clear line."""
    # A cold cache of its own: vectors cached by the split-seed tests above
    # (encoded in other batches) move one near-tie bead of the seed's head.
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "cache"))
    english_only = SEED.parent / "003_1acb435d73729caa.txt"
    (tmp_path / "m.tsv").write_text(f"# one file each\n{SEED}\n{english_only}\t\tenglish\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "m.tsv"), "-o", str(out), "-j", "1", "-f", "json,tmx,beads"]) == 1
    summary = _summary(out)
    assert list(summary) == [SEED.stem, "english"]
    seed = summary[SEED.stem]
    assert (seed["status"], seed["error"], seed["en"], seed["zh"]) == ("ok", None, str(SEED), None)
    assert (seed["en_sentences"], seed["zh_sentences"], seed["beads"]) == (51, 49, 59)  # data/README.md
    assert seed["gaps_en"] >= 1 and seed["gaps_zh"] >= 1  # the English head, the Chinese lead
    gold = SEED.parent.parent / "data" / "gold" / f"{SEED.stem}.sentences.align"
    assert (out / f"{SEED.stem}.beads").read_text(encoding="utf-8") == gold.read_text(encoding="utf-8")
    assert json.loads((out / f"{SEED.stem}.json").read_text(encoding="utf-8"))["signature"]
    tmx = (out / f"{SEED.stem}.tmx").read_text(encoding="utf-8")
    assert tmx.count("</tu>") == 40 and "容量問題" in tmx and "CAPACITY PROBLEMS" in tmx
    failed = summary["english"]
    assert failed["status"] == "failed" and failed["zh"] is None
    assert "holds only English text" in failed["error"] and "\n" not in failed["error"]
    assert not list(out.glob("english.*"))
    assert "2 pairs: 1 ok" in capsys.readouterr().out
    # resume knows the mixed pair is done (same file, no second one)
    report = run_batch(read_manifest(tmp_path / "m.tsv").pairs[:1], out, workers=1, resume=True,
                       options=BatchOptions(("json", "tmx", "beads")))
    assert report.skipped == [SEED.stem]


@pytest.fixture(scope="module")
def mac_batch(mac_pairs, tmp_path_factory) -> tuple[Path, Path]:
    """The MAC pairs aligned once by a pool of two processes: (manifest, out)."""
    out = tmp_path_factory.mktemp("mac-out")
    assert main(["batch", str(mac_pairs / "mac.tsv"), "-o", str(out), "-j", "2", "--presplit",
                 "--formats", "json,beads", "-q"]) == 0
    return mac_pairs / "mac.tsv", out


def test_pool_on_mac_dev(mac_batch):
    _, out = mac_batch
    summary = _summary(out)
    assert list(summary) == ["ch004", "ch005", "ch006"]
    for record in summary.values():
        assert record["status"] == "ok" and record["presplit"] is True
        assert (record["en_sentences"], record["zh_sentences"]) == (70, 60)
        assert (out / f"{record['id']}.beads").is_file() and (out / f"{record['id']}.json").is_file()


def test_resume_after_interruption(mac_batch, tmp_path, monkeypatch):
    """A run killed mid-way: one output lost, the summary's last line cut short."""
    manifest, done = mac_batch
    out = tmp_path / "out"
    out.mkdir()
    for path in done.iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    (out / "ch005.beads").unlink()
    lines = (out / "summary.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "summary.jsonl").write_text(lines[0] + lines[1] + lines[2][:40], encoding="utf-8")
    before = _summary(out)
    assert set(before) == {"ch004", "ch005"}
    started = []
    report = run_batch(read_manifest(manifest).pairs, out, workers=1, resume=True,
                       options=BatchOptions(("json", "beads"), presplit=True),
                       on_start=lambda todo, skipped: started.append(([p.id for p in todo], skipped)))
    # ch005 lost an output, ch006's line was cut: only they are redone
    assert started == [(["ch005", "ch006"], ["ch004"])]
    after = _summary(out)
    assert list(after) == ["ch004", "ch005", "ch006"]  # rewritten whole, in order
    assert after["ch004"] == before["ch004"]
    assert after["ch005"]["finished"] >= before["ch005"]["finished"]
    assert (out / "ch005.beads").read_bytes() == (done / "ch005.beads").read_bytes()
    assert not report.failed and report.skipped == ["ch004"]
    # a resume with other options redoes everything (the work itself stubbed out)
    monkeypatch.setattr(batch, "align_pair", lambda pair, out_dir, options: {**after[pair.id], "presplit": False})
    report = run_batch(read_manifest(manifest).pairs, out, workers=1, resume=True,
                       options=BatchOptions(("json", "beads"), presplit=False),
                       on_start=lambda todo, skipped: started.append(([p.id for p in todo], skipped)))
    assert started[-1] == (["ch004", "ch005", "ch006"], [])


def test_shards_then_resume(mac_batch, tmp_path):
    """Two shards (a Slurm array of 2) cover the plan once; a resume over all
    shards' summaries has nothing left to do."""
    manifest, done = mac_batch
    pairs = read_manifest(manifest).pairs
    options = BatchOptions(("beads",), presplit=True)
    reports = [run_batch(pairs, tmp_path, options=options, workers=1, shard=(i, 2)) for i in (0, 1)]
    assert [[r["id"] for r in rep.records] for rep in reports] == [["ch004", "ch006"], ["ch005"]]
    assert set(_summary(tmp_path, "summary.shard-0-of-2.jsonl")) == {"ch004", "ch006"}
    assert set(_summary(tmp_path, "summary.shard-1-of-2.jsonl")) == {"ch005"}
    for name in CHAPTERS:  # the same alignment as the process pool's
        assert (tmp_path / f"ch{name}.beads").read_bytes() == (done / f"ch{name}.beads").read_bytes()
    report = run_batch(pairs, tmp_path, options=options, workers=1, resume=True)
    assert report.skipped == ["ch004", "ch005", "ch006"] and len(report.records) == 3


def test_dask_local_cluster(mac_batch, tmp_path):
    pytest.importorskip("dask.distributed")
    manifest, done = mac_batch
    pairs = read_manifest(manifest).pairs[:2]
    report = run_batch(pairs, tmp_path, options=BatchOptions(("beads",), presplit=True),
                       scheduler="local", workers=2)
    assert [r["status"] for r in report.records] == ["ok", "ok"]
    for pair in pairs:
        assert (tmp_path / f"{pair.id}.beads").read_bytes() == (done / f"{pair.id}.beads").read_bytes()
    assert set(_summary(tmp_path)) == {"ch004", "ch005"}


def test_dask_unreachable_scheduler(tmp_path, seed_pair, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(batch, "_CONNECT_TIMEOUT_S", 1)
    pair = PairSpec("seed", str(seed_pair / "en.txt"), str(seed_pair / "zh.txt"))
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        run_batch([pair], tmp_path, scheduler="tcp://127.0.0.1:9", workers=1)
