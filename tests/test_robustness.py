"""Robustness of the whole CLI (issue 8).

* Bad input: one line on stderr, exit status 2, no traceback, no output file
  created and an existing one kept intact.
* Odd but valid input: long lines, many paragraphs, control characters, emoji,
  CJK extension B, right-to-left marks, CRLF, a BOM in the middle.
* Interrupts: Ctrl-C (exit 130) and SIGTERM (exit 143) print one line and leave
  no temporary file and no half-written output.
* The embedding cache in a folder it cannot use.

In-process runs go through :func:`align.cli.main` with an ideal stand-in encoder
(vectors keyed by the numbers in the text), so no model is loaded; a few runs are
real ``python -m align`` subprocesses. docs/robustness.md lists every case.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from align.cache import FILENAME, CachedEncoder, EmbeddingCache
from align.cli import main
from align.text import MAX_SENTENCE, split_sentences

ROOT = Path(__file__).resolve().parent.parent

EN = "The board approved budget 1 on Monday.\n\nBudget 2 takes effect next year.\n"
ZH = "董事會週一批准了第1號預算。\n\n第2號預算明年生效。\n"


class IdEncoder:
    """An ideal encoder for tests: a text's vector is the mean of one random unit
    vector per number in it, so ``Item 7`` and ``第7項`` match and nothing else does."""

    name = "ids"
    dim = 32

    def signature(self) -> str:
        return "ids:1"

    @staticmethod
    def _unit(key: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha1(key.encode("utf-8", "replace")).digest()[:4], "little")
        v = np.random.default_rng(seed).standard_normal(IdEncoder.dim)
        return v / np.linalg.norm(v)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = re.findall(r"\d+", text) or [text]
            out[i] = sum(self._unit(k) for k in ids)
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out


@pytest.fixture()
def ideal_encoder(monkeypatch):
    monkeypatch.setattr("align.encoders.get_encoder", lambda *a, **k: IdEncoder())


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """``align ARGS`` in this process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_process(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "align", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False, **kwargs)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))}


def assert_one_line_error(code: int, out: str, err: str, fragment: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "╭" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("align: error: "), err
    assert fragment in lines[0], err
    assert out == ""


# --- bad input -------------------------------------------------------------------------


def _readonly_folder(tmp: Path) -> Path | None:
    """A folder this process cannot create files in (root ignores permissions:
    then /sys, which refuses even root), or None."""
    folder = tmp / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    for candidate in (folder, Path("/sys")):
        try:
            probe = candidate / ".probe"
            probe.touch()
            probe.unlink()
        except OSError:
            return candidate
    return None


@pytest.fixture()
def inputs(tmp_path, monkeypatch) -> Path:
    """A working folder of good and bad inputs; ``out/`` holds an existing output."""
    (tmp_path / "en.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "en2.txt").write_text(EN.replace("Monday", "Tuesday"), encoding="utf-8")
    (tmp_path / "zh.txt").write_text(ZH, encoding="utf-8")
    (tmp_path / "zh2.txt").write_text(ZH.replace("週一", "週二"), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\r\n\xe3\x80\x80\n\xef\xbb\xbf\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 8)
    (tmp_path / "latin1.txt").write_bytes("Le café était fermé à l'été.\n".encode("latin-1") * 3)
    (tmp_path / "digits.txt").write_text("1 2 3\n2022-11-17\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.tsv").write_text("old output\n", encoding="utf-8")
    (tmp_path / "out" / "corpus.zh").mkdir()  # where a Moses half would go
    monkeypatch.chdir(tmp_path)
    return tmp_path


PAIR = ["pair", "en.txt", "zh.txt", "-o"]
BAD_INPUT = [
    # (id, args, fragment of the message)
    ("missing file", ["check", "missing.txt"], "missing.txt: no such file"),
    ("directory instead of a file", ["check", "folder"], "folder is a directory"),
    ("empty file", ["check", "en.txt", "empty.txt"], "empty.txt is empty"),
    ("whitespace-only file", ["check", "blank.txt"], "blank.txt is empty"),
    ("binary file", ["check", "en.txt", "image.png"], "image.png is not a text file"),
    ("undecodable bytes (Latin-1)", ["check", "latin1.txt", "zh.txt"], "latin1.txt is not a text file"),
    ("endless device", ["inspect", "/dev/zero"], "larger than 256 MiB"),
    ("both inputs English", ["check", "en.txt", "en2.txt"], "both files are English"),
    ("both inputs Chinese", ["pair", "zh.txt", "zh2.txt", "-o", "out/p.tsv"], "both files are Chinese"),
    ("one file, one language", ["check", "en.txt"], "holds only English text"),
    ("input without letters", ["check", "en.txt", "digits.txt"], "digits.txt has no letters"),
    ("unknown --format", [*PAIR, "out/p.tsv", "--format", "ods"], "unknown output format 'ods'"),
    ("unknown output extension", [*PAIR, "out/p.ods"], "cannot tell the output format"),
    ("output in a missing folder", [*PAIR, "nowhere/p.tsv"], "folder nowhere does not exist"),
    ("output is a folder", [*PAIR, "out", "--format", "tsv"], "it is a folder"),
    ("moses half is a folder", [*PAIR, "out/corpus", "--format", "moses"], "corpus.zh: it is a folder"),
    ("--json in a missing folder", ["check", "en.txt", "zh.txt", "--html", "out/r.html", "--json",
                                    "nowhere/r.json"], "folder nowhere does not exist"),
    ("existing output, bad input", [*PAIR[:2], "image.png", "-o", "out/old.tsv"], "not a text file"),
    ("existing output, bad --zh-lang", [*PAIR, "out/old.tsv", "--zh-lang", "Chinese please"],
     "invalid language tag"),
    ("bad --level", [*PAIR, "out/old.tsv", "--level", "word"], "unknown --level 'word'"),
    ("bad --fail-on", ["check", "en.txt", "zh.txt", "--fail-on", "never"], "--fail-on must be"),
    ("unknown model name", ["check", "en.txt", "zh.txt", "--model", "no-such-model-xyz"],
     "no-such-model-xyz"),
    ("model folder missing", ["check", "en.txt", "zh.txt", "--model", "./no/such/model"],
     "no model directory"),
    ("unknown option", ["check", "en.txt", "--colour"], "No such option: --colour; see 'align check -h'"),
    ("missing argument", ["pair"], "Missing argument 'FILE'"),
    ("extra argument", ["check", "en.txt", "zh.txt", "third.txt"], "unexpected extra argument"),
    ("unknown command", ["align-all"], "No such command 'align-all'"),
    ("option out of range", ["check", "en.txt", "zh.txt", "--min-confidence", "2"], "--min-confidence"),
    ("option not a number", ["batch", "m.tsv", "-o", "out/b", "--workers", "many"], "--workers"),
    ("eval: missing gold", ["eval", "--gold", "nowhere", "--test", "nowhere2"], "nowhere"),
    ("batch: missing manifest", ["batch", "missing.tsv", "-o", "out/batch"], "missing.tsv"),
]


_REAL_ENCODER = {"unknown model name", "model folder missing"}


@pytest.mark.parametrize(("label", "args", "fragment"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_one_line_and_exit_2(inputs, capsys, monkeypatch, label, args, fragment):
    if label not in _REAL_ENCODER:
        monkeypatch.setattr("align.encoders.get_encoder", lambda *a, **k: IdEncoder())
    before = snapshot(inputs)
    code, out, err = run(args, capsys)
    assert_one_line_error(code, out, err, fragment)
    assert snapshot(inputs) == before  # nothing created, the old output intact


def test_output_in_read_only_folder(inputs, capsys, ideal_encoder):
    folder = _readonly_folder(inputs)
    if folder is None:
        pytest.skip("no folder here refuses writing")
    before = snapshot(inputs)
    code, out, err = run([*PAIR, folder / "p.tsv"], capsys)
    assert_one_line_error(code, out, err, f"cannot write {folder / 'p.tsv'}")
    assert snapshot(inputs) == before


@pytest.mark.parametrize(("args", "fragment"), [
    (["check", "missing.txt"], "no such file"),
    (["check", "latin1.txt", "zh.txt"], "not a text file"),
    (["check", "blank.txt"], "is empty"),
    (["pair", "en.txt", "zh.txt", "-o", "nowhere/p.tsv"], "does not exist"),
    (["check", "--colour"], "No such option"),
    ([], ""),  # bare ``align``: the help on stdout, exit 2
], ids=["missing", "undecodable", "blank", "output folder", "unknown option", "no arguments"])
def test_bad_input_end_to_end(inputs, args, fragment):
    before = snapshot(inputs)
    proc = run_process(args, inputs)
    assert snapshot(inputs) == before
    if not args:
        assert proc.returncode == 2 and "Usage: align" in proc.stdout and proc.stderr == ""
        return
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, fragment)


def test_closed_stdout_is_not_a_traceback(inputs):
    big = inputs / "big.txt"
    big.write_text((EN + ZH) * 3000, encoding="utf-8")
    proc = subprocess.run(f"{sys.executable} -m align inspect big.txt | head -1", shell=True,
                          cwd=inputs, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.startswith("== en") and "Traceback" not in proc.stderr
    assert proc.stderr == ""


# --- odd but valid input -----------------------------------------------------------------


def en_sentences(n: int, extra: str = "") -> list[str]:
    return [f"Item {i} was approved by the board{extra} after a long debate." for i in range(n)]


def zh_sentences(n: int, extra: str = "") -> list[str]:
    return [f"第{i}項經過長時間辯論{extra}後獲董事會批准。" for i in range(n)]


def _wrapped_zh(text: str, width: int = 35) -> str:
    """Hard-wrapped Chinese: about ``width`` characters a line, never inside a number."""
    lines, start = [], 0
    while start < len(text):
        end = min(start + width, len(text))
        while end < len(text) and (text[end - 1].isdigit() or text[end].isdigit()):
            end += 1
        lines.append(text[start:end])
        start = end
    return "\n".join(lines)


ODD_INPUT = {
    # id: (English file text, Chinese file text, sentences per side)
    "one long line": (" ".join(en_sentences(150)) + "\n", "".join(zh_sentences(150)) + "\n", 150),
    "many one-sentence paragraphs": ("\n\n".join(en_sentences(150)), "\n\n".join(zh_sentences(150)), 150),
    "one hard-wrapped paragraph of many sentences": (
        textwrap.fill(" ".join(en_sentences(100)), 72), _wrapped_zh("".join(zh_sentences(100))), 100),
    "control characters": ("\n\n".join(en_sentences(40, " \x01\x07\x0b\x0c\x1b\x1f\x7f")),
                           "\n\n".join(zh_sentences(40, "\x02\x1c\x1d\x1e")), 40),
    "emoji and CJK extension B": ("\n\n".join(en_sentences(40, " 😀👍🏽 𠀀")),
                                  "\n\n".join(zh_sentences(40, "😀𠀀𪚥")), 40),
    "right-to-left marks": ("\n\u200f\n".join(s.replace("board", "\u200fboard\u200e")
                                                for s in en_sentences(40)) + "\u200e",
                            "\n\u200e\u200f\n".join(zh_sentences(40)), 40),
    "Windows line ends": ("\r\n\r\n".join(en_sentences(40)) + "\r\n",
                          "\r\n\r\n".join(zh_sentences(40)) + "\r\n", 40),
    "BOM at the start and in the middle": (
        "\ufeff" + "\n\n".join(en_sentences(20)) + "\n\ufeff" + "\n\n".join(en_sentences(40)[20:]),
        "\ufeff" + "\n".join(zh_sentences(20)) + "\n\ufeff\n" + "\n\ufeff".join(zh_sentences(40)[20:]),
        40),
}


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


@pytest.mark.parametrize("label", list(ODD_INPUT))
def test_odd_but_valid_input_aligns(inputs, capsys, ideal_encoder, label):
    en_text, zh_text, n = ODD_INPUT[label]
    (inputs / "odd_en.txt").write_bytes(en_text.encode("utf-8"))
    (inputs / "odd_zh.txt").write_bytes(zh_text.encode("utf-8"))
    code, _out, err = run(["pair", "odd_zh.txt", "odd_en.txt", "-o", "out/odd.jsonl"], capsys)
    assert code == 0, err
    records = [json.loads(line) for line in (inputs / "out" / "odd.jsonl").read_text("utf-8").splitlines()]
    en = [s for r in records for s in r["en_sentences"]]
    zh = [s for r in records for s in r["zh_sentences"]]
    assert len(en) == len(zh) == n  # every sentence in exactly one bead, in order
    assert [min(_numbers(s)) for s in en] == [str(i) for i in range(n)]
    assert [min(_numbers(s)) for s in zh] == [str(i) for i in range(n)]
    right = sum(1 for r in records if r["en"] and _numbers(r["en"]) == _numbers(r["zh"]))
    assert right >= 0.9 * n
    assert all("\ufeff" not in s for s in en + zh)
    assert all(s.strip("\u200e\u200f ") for s in en + zh)  # no invisible-only sentence
    if label == "emoji and CJK extension B":
        assert all("😀" in s and "𠀀" in s for s in en + zh)
    if label == "control characters":
        assert all("\x07" in s for s in en) and all("\x1d" in s for s in zh)
    if label not in ("control characters", "emoji and CJK extension B"):
        return
    code, _out, err = run(["pair", "odd_en.txt", "odd_zh.txt", "-o", "out/odd.tmx"], capsys)
    assert code == 0, err
    import xml.etree.ElementTree as ET

    assert len(ET.parse(inputs / "out" / "odd.tmx").getroot().findall("body/tu")) >= 0.9 * n


def test_crlf_and_lf_files_give_the_same_document(tmp_path):
    from align.read import load_documents

    lf = (tmp_path / "lf_en.txt", tmp_path / "lf_zh.txt")
    crlf = (tmp_path / "crlf_en.txt", tmp_path / "crlf_zh.txt")
    for (en, zh), newline in ((lf, "\n"), (crlf, "\r\n")):
        en.write_bytes(EN.replace("\n", newline).encode())
        zh.write_bytes(("\ufeff" + ZH).replace("\n", newline).encode("utf-16"))
    docs = [load_documents(*pair) for pair in (lf, crlf)]
    outline = [[(s.line, s.text) for d in pair for s in d.sentences] for pair in docs]
    assert outline[0] == outline[1]


@pytest.mark.parametrize(("text", "lang"), [
    ("'" + "He said it was fine. " * 400, "en"),  # an unbalanced quote swallows everything
    ("word " * 3000, "en"),  # no sentence punctuation at all
    ("字" * 3000, "zh"),
    ("一，二，" * 800, "zh"),
    ("x" * 2500, "en"),  # no space either
])
def test_over_long_sentences_are_cut(text, lang):
    pieces = split_sentences(text, lang)
    assert len(pieces) > 1 and max(map(len, pieces)) <= MAX_SENTENCE
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_long_quoted_run_is_split_at_sentence_ends():
    text = "'" + " ".join(f"Sentence number {i} is here." for i in range(200))
    pieces = split_sentences(text, "en")
    assert len(pieces) == 200


# --- interrupts ----------------------------------------------------------------------------

_SLOW_RUN = '''
import os, sys, time
from pathlib import Path
import numpy as np
import align.atomic, align.encoders

marker, stage = Path(os.environ["MARKER"]), os.environ["STAGE"]

class Slow:
    name, dim = "slow", 8
    def signature(self):
        return "slow:1"
    def encode(self, texts, *, batch_size=32):
        if stage == "align":
            marker.touch()
            time.sleep(60)
        return np.ones((len(texts), 8), dtype=np.float32) / 8 ** 0.5

align.encoders.get_encoder = lambda *a, **k: Slow()
if stage == "write":  # between writing the temporary file and renaming it
    import align.api
    from align.models import Alignment, Bead

    def quick(en, zh, **kwargs):  # no alignment needed to test writing
        beads = [Bead((i,), (i,), 0.5) for i in range(min(len(en.sentences), len(zh.sentences)))]
        return Alignment(en, zh, beads[:1], beads, [])

    align.api.align_documents = quick
    real_fsync = os.fsync
    def slow_fsync(fd):
        marker.touch()
        time.sleep(60)
        real_fsync(fd)
    align.atomic.os.fsync = slow_fsync
from align.cli import main
sys.exit(main(sys.argv[1:]))
'''


@pytest.mark.parametrize(("stage", "signum", "status", "message"), [
    ("align", signal.SIGINT, 130, "align: interrupted"),
    ("write", signal.SIGINT, 130, "align: interrupted"),
    ("align", signal.SIGTERM, 143, "align: stopped by signal SIGTERM"),
    ("write", signal.SIGTERM, 143, "align: stopped by signal SIGTERM"),
], ids=["ctrl-c aligning", "ctrl-c writing", "sigterm aligning", "sigterm writing"])
def test_interrupt_leaves_no_temporary_file(inputs, stage, signum, status, message):
    script = inputs / "slow_run.py"
    script.write_text(_SLOW_RUN, encoding="utf-8")
    marker = inputs / "started"
    before = snapshot(inputs / "out")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MARKER": str(marker), "STAGE": stage}
    proc = subprocess.Popen([sys.executable, str(script), "pair", "en.txt", "zh.txt", "-o",
                             "out/old.tsv", "--no-cache"], cwd=inputs, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        if stage == "write":
            assert any(p.name.endswith(".tmp") for p in (inputs / "out").iterdir())
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == status, err
    assert err.splitlines() == [message] and "Traceback" not in err
    assert snapshot(inputs / "out") == before  # no .tmp left, the old output intact


def test_ctrl_c_end_to_end(inputs):
    """A real run, real encoder: Ctrl-C while it loads or encodes (a text long
    enough that a fast machine is still encoding it after 1.5 s)."""
    from tests.conftest import SEED_MIXED

    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    en = [line for line in lines[5:35] if line.strip()]
    zh = [line for line in lines[40:75] if line.strip()]
    (inputs / "en.txt").write_text("\n\n".join(f"{t} ({k})" for k in range(12) for t in en), encoding="utf-8")
    (inputs / "zh.txt").write_text("\n\n".join(f"{t}（{k}）" for k in range(12) for t in zh), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "align", "pair", "en.txt", "zh.txt", "-o",
                             "out/old.tsv", "--no-cache"], cwd=inputs,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    if proc.returncode == 0 or "wrote " in err:
        pytest.skip("the run finished before the signal")
    assert proc.returncode == 130 and err.splitlines() == ["align: interrupted"], err
    assert (inputs / "out" / "old.tsv").read_text(encoding="utf-8") == "old output\n"
    assert sorted(p.name for p in (inputs / "out").iterdir()) == ["corpus.zh", "old.tsv"]


# --- the embedding cache where it cannot live -------------------------------------------------


class _Counting:
    name, dim = "ids", IdEncoder.dim

    def __init__(self) -> None:
        self.calls = 0

    def signature(self) -> str:
        return "ids:1"

    def encode(self, texts, *, batch_size=32):
        self.calls += 1
        return IdEncoder().encode(texts)


def test_cache_file_that_is_a_folder(tmp_path):
    (tmp_path / FILENAME).mkdir()
    inner = _Counting()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path / FILENAME))
    np.testing.assert_array_equal(cached.encode(["a 1", "b 2"]), IdEncoder().encode(["a 1", "b 2"]))
    cached.encode(["a 1"])
    assert not cached.cache.enabled and inner.calls == 2


def test_cache_in_read_only_folder(tmp_path):
    folder = _readonly_folder(tmp_path)
    if folder is None:
        pytest.skip("no folder here refuses writing")
    inner = _Counting()
    cached = CachedEncoder(inner, EmbeddingCache(folder / "align-cache" / FILENAME))
    np.testing.assert_array_equal(cached.encode(["a 1"]), IdEncoder().encode(["a 1"]))
    assert not cached.cache.enabled


def test_cli_runs_when_the_cache_cannot_be_used(inputs, capsys, monkeypatch):
    """ALIGN_CACHE_DIR names a file: the run works, uncached, with nothing on stderr."""
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(inputs / "en.txt"))
    stand_in = IdEncoder()
    monkeypatch.setattr("align.encoders.get_encoder",
                        lambda name=None, *, cache=True, device=None: CachedEncoder(stand_in)
                        if cache else stand_in)
    code, _out, err = run(["pair", "en.txt", "zh.txt", "-o", "out/p.tsv"], capsys)
    assert code == 0 and err.startswith("wrote out/p.tsv") and len(err.splitlines()) == 1


# --- issue 20, case 1: an output equal to an input is refused ------------------------------------


OUTPUT_IS_INPUT = [
    ("pair -o en.txt", ["pair", "en.txt", "zh.txt", "-o", "en.txt", "-f", "tsv"], "en.txt"),
    ("pair -o ./zh.txt", ["pair", "en.txt", "zh.txt", "-o", "./zh.txt", "-f", "tsv"], "zh.txt"),
    ("check --json=zh.txt", ["check", "en.txt", "zh.txt", "--json=zh.txt"], "zh.txt"),
    ("check --html en.txt", ["check", "en.txt", "zh.txt", "--html", "en.txt"], "en.txt"),
    ("hard link to an input", ["pair", "en.txt", "zh.txt", "-o", "hard.tsv"], "hard.tsv"),
    ("symlink to an input", ["pair", "en.txt", "zh.txt", "-o", "link.tsv"], "link.tsv"),
    ("moses prefix of both inputs", ["pair", "corpus.en", "corpus.zh", "-o", "corpus", "-f", "moses"],
     "corpus.en"),
]


@pytest.mark.parametrize(("label", "args", "fragment"), OUTPUT_IS_INPUT, ids=[c[0] for c in OUTPUT_IS_INPUT])
def test_output_equal_to_an_input_is_refused(inputs, capsys, ideal_encoder, label, args, fragment):
    os.link(inputs / "en.txt", inputs / "hard.tsv")
    (inputs / "link.tsv").symlink_to("zh.txt")
    (inputs / "corpus.en").write_text(EN, encoding="utf-8")
    (inputs / "corpus.zh").write_text(ZH, encoding="utf-8")
    before = snapshot(inputs)
    code, out, err = run(args, capsys)
    assert_one_line_error(code, out, err, f"refusing to write {fragment}")
    assert "input" in err and snapshot(inputs) == before


def test_two_outputs_that_are_one_file_are_refused(inputs, capsys, ideal_encoder):
    before = snapshot(inputs)
    code, out, err = run(["check", "en.txt", "zh.txt", "--json", "out/r", "--html", "./out/r"], capsys)
    assert_one_line_error(code, out, err, "are the same file")
    assert snapshot(inputs) == before


# --- case 2: special files are written through, links followed, modes kept ----------------------


def test_output_to_a_character_device_is_written_through(inputs, capsys, ideal_encoder):
    code, _out, err = run(["check", "en.txt", "zh.txt", "--json", "/dev/null"], capsys)
    assert code == 0, err
    assert Path("/dev/null").is_char_device()


def test_output_to_a_fifo_reaches_its_reader(inputs, capsys, ideal_encoder):
    import threading

    fifo = inputs / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, _out, err = run(["pair", "en.txt", "zh.txt", "-o", fifo, "-f", "tsv"], capsys)
    reader.join(10)
    assert code == 0, err
    assert fifo.is_fifo() and b"Budget 2" in got[0]


def test_output_dash_is_stdout(inputs, capsys, ideal_encoder):
    before = snapshot(inputs)
    code, out, err = run(["pair", "en.txt", "zh.txt", "-o", "-", "-f", "tsv"], capsys)
    assert code == 0, err
    assert "Budget 2" in out and "第2號預算" in out
    assert snapshot(inputs) == before  # no file named '-'


def test_symlinked_output_is_followed_and_its_mode_kept(inputs, capsys, ideal_encoder):
    target = inputs / "out" / "real.tsv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o444)
    (inputs / "link.tsv").symlink_to(target)
    code, _out, err = run(["pair", "en.txt", "zh.txt", "-o", "link.tsv"], capsys)
    assert code == 0, err
    assert (inputs / "link.tsv").is_symlink()
    assert "Budget 2" in target.read_text(encoding="utf-8")
    assert target.stat().st_mode & 0o777 == 0o444


# --- case 3: one NUL byte never makes UTF-8 read as UTF-16; Chinese UTF-16 without a BOM is read -----


SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"


def _seed_halves() -> tuple[str, str]:
    """The seed's English lines and Chinese lines, as two texts."""
    from align.read import split_by_script

    by_lang = split_by_script(SEED.read_text(encoding="utf-8"))
    return tuple("\n".join(line for line in by_lang[lang] if line.strip()) + "\n"
                 for lang in ("en", "zh"))  # type: ignore[return-value]


def _with_stray_nul(text: str) -> bytes:
    """``text`` as UTF-8 with one NUL after a line in the middle, padded to an even length."""
    data = text.encode("utf-8")
    cut = data.index(b"\n", len(data) // 2) + 1
    data = data[:cut] + b"\x00" + data[cut:]
    return data if len(data) % 2 == 0 else data + b"\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stray_nul_in_utf8_is_not_utf16(tmp_path, lang):
    from align.read import read_file

    text = _seed_halves()[lang == "zh"]
    path = tmp_path / f"{lang}.txt"
    path.write_bytes(_with_stray_nul(text))
    got, encoding = read_file(path)
    assert encoding == "utf-8"
    assert got.rstrip("\n") == text.rstrip("\n")


def test_check_with_a_stray_nul_reports_no_false_gaps(tmp_path, capsys, ideal_encoder):
    """The seed's halves as two files, the Chinese one with a stray NUL: same result as without."""
    en, zh = _seed_halves()
    (tmp_path / "en.txt").write_text(en, encoding="utf-8")
    (tmp_path / "zh.txt").write_text(zh, encoding="utf-8")
    (tmp_path / "zh-nul.txt").write_bytes(_with_stray_nul(zh))
    results = []
    for name in ("zh.txt", "zh-nul.txt"):
        code, _out, err = run(["check", tmp_path / "en.txt", tmp_path / name, "--json",
                               tmp_path / f"{name}.json", "--checks", "none"], capsys)
        assert code in (0, 1), err
        data = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        assert data["zh"]["encoding"] == "utf-8"
        results.append(([p["text"] for p in data["zh"]["paragraphs"]], data["gaps"]))
    assert results[0] == results[1]  # was: the Chinese column garbage (read as UTF-16-BE)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_bom_is_read(tmp_path, encoding):
    from align.read import read_file

    zh = _seed_halves()[1]
    assert any(c in zh for c in "一最")  # characters with a NUL byte on the other side
    path = tmp_path / "zh.txt"
    path.write_bytes(zh.encode(encoding))
    assert read_file(path) == (zh, encoding)


def test_implausible_utf16_is_refused_naming_the_encodings(tmp_path):
    from align.errors import InputError
    from align.read import read_file

    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(7).integers(1, 256, 4000, dtype=np.uint8).tobytes()
                     + b"\x00\x00")
    with pytest.raises(InputError, match=r"neither UTF-16 .* nor UTF-8"):
        read_file(path)


# --- case 6: the library guards its inputs as the CLI does ----------------------------------------


@pytest.mark.parametrize(("en", "zh", "fragment"), [
    (EN, EN, "both texts are English"),
    (ZH, ZH, "both texts are Chinese"),
    ("1 2 3", "4 5 6", "has no letters"),
    (None, ZH, "must be a str"),
    (42, ZH, "must be a str"),
    ([EN], ZH, "must be a str"),
    (EN.encode(), ZH, "is bytes, not text"),
    (EN, "  \n", "zh_text is empty"),
], ids=["en en", "zh zh", "digits", "None", "int", "list", "bytes", "blank"])
def test_align_texts_refuses_bad_arguments(en, zh, fragment):
    from align import align_texts
    from align.errors import AlignError

    with pytest.raises(AlignError, match=fragment):
        align_texts(en, zh, encoder=IdEncoder())


def test_align_texts_detects_swapped_arguments():
    from align import align_texts

    right = align_texts(EN, ZH, encoder=IdEncoder(), checks=[])
    swapped = align_texts(ZH, EN, encoder=IdEncoder(), checks=[])
    assert swapped.en.lang == "en" and swapped.en.sentences[0].text.startswith("The board")
    assert [(g.only_in, g.line) for g in swapped.gaps] == [(g.only_in, g.line) for g in right.gaps] == []


def test_align_texts_cleans_lone_surrogates():
    from align import align_texts

    result = align_texts(EN.replace("Monday", "Monday \ud800"), ZH.replace("週一", "週一\udfff"),
                         encoder=IdEncoder(), checks=[])
    assert "\ufffd" in result.en.sentences[0].text and "\ufffd" in result.zh.sentences[0].text
    assert len(result.sentence_beads) == 2 and not result.gaps


def test_align_texts_refuses_an_oversized_text_at_once():
    from align import align_texts
    from align.errors import InputError
    from align.guard import MAX_TEXT_CHARS

    huge = "a" * (MAX_TEXT_CHARS + 1)
    with pytest.raises(InputError, match="split it into smaller documents"):
        align_texts(huge, ZH, encoder=IdEncoder())


@pytest.mark.parametrize(("first", "fragment"), [
    (None, "must be a path"), (7, "must be a path"), (["en.txt"], "must be a path"),
    (b"en.txt", "is bytes"), ("", "empty path"),
], ids=["None", "int", "list", "bytes", "empty"])
def test_align_files_refuses_bad_arguments(first, fragment):
    from align import align_files
    from align.errors import AlignError

    with pytest.raises(AlignError, match=fragment):
        align_files(first, encoder=IdEncoder())



def _documents(en_text: str, zh_text: str, en_lang: str = "en", zh_lang: str = "zh"):
    from align.text import build_document

    return build_document(en_text.split("\n"), en_lang), build_document(zh_text.split("\n"), zh_lang)


@pytest.mark.parametrize(("args", "options", "fragment"), [
    (("doc", "doc"), {}, "en must be a Document"),
    ((None, "zh doc"), {}, "en must be a Document"),
    (("en doc", EN), {}, r"zh must be a Document .* not str"),
    (("en doc", "en doc as zh"), {}, "almost no Chinese text"),
    (("zh doc as en", "zh doc"), {}, "labelled English is Chinese text"),
    (("en doc", "en doc"), {}, "both documents are English"),
    (("en doc", "zh doc"), {"sentence_config": {"window": 8}}, "sentence_config must be an align.core.AlignConfig"),
    (("en doc", "zh doc"), {"vector_config": "centre"}, "vector_config must be"),
    (("en doc", "zh doc"), {"progress": 3}, "progress must be a function"),
    (("en doc", "zh doc"), {"paragraphs": "yes"}, "paragraphs must be True or False"),
    (("en doc", "zh doc"), {"encoder": 3}, "encoder must be a sentence encoder"),
    (("en doc", "zh doc"), {"encoder": "no-such-model"}, "no-such-model"),
    (("en doc", "zh doc"), {"checks": ["spelling"]}, "unknown check 'spelling'"),
], ids=["str", "None", "zh str", "en as zh", "zh as en", "en en", "config dict", "vector str",
        "progress int", "paragraphs str", "encoder int", "encoder name", "check name"])
def test_align_documents_refuses_bad_arguments(args, options, fragment):
    """``align_documents`` guards like ``align_texts``: an AlignError, never AttributeError."""
    from align.api import align_documents
    from align.errors import AlignError

    en_doc, zh_doc = _documents(EN, ZH)
    made = {"en doc": en_doc, "zh doc": zh_doc, "en doc as zh": _documents(EN, EN, zh_lang="zh")[1],
            "zh doc as en": _documents(ZH, ZH, en_lang="en")[0]}
    docs = [made.get(a, a) if isinstance(a, str) else a for a in args]
    with pytest.raises(AlignError, match=fragment):
        align_documents(*docs, **{"encoder": IdEncoder(), **options})


def test_align_documents_takes_either_order():
    from align.api import align_documents

    en_doc, zh_doc = _documents(EN, ZH)
    right = align_documents(en_doc, zh_doc, encoder=IdEncoder(), checks=[])
    swapped = align_documents(zh_doc, en_doc, encoder=IdEncoder(), checks=[])
    assert swapped.en is en_doc and swapped.zh is zh_doc
    assert swapped.sentence_beads == right.sentence_beads

# --- case 4: a damaged cache never changes a result or the exit status ------------------------------


def _damage(db: Path, how: str) -> None:
    import sqlite3

    if how == "overwrite 8 kB":
        data = bytearray(db.read_bytes())
        start = len(data) // 2
        data[start:start + 8192] = np.random.default_rng(3).integers(0, 256, 8192, dtype=np.uint8).tobytes()
        db.write_bytes(bytes(data))
        return
    conn = sqlite3.connect(db)
    blob = {"zeroed vectors": "zeroblob(length(vec))", "garbage vectors": "randomblob(length(vec))",
            "NaN vectors": "x'" + "0000c07f" * IdEncoder.dim + "'"}[how]
    conn.execute(f"UPDATE vectors SET vec = {blob}")
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)  # SQLite sees nothing wrong
    conn.close()


@pytest.mark.parametrize("how", ["zeroed vectors", "garbage vectors", "NaN vectors", "overwrite 8 kB"])
def test_damaged_cache_never_changes_the_result(inputs, capsys, monkeypatch, how):
    from align.cache import CachedEncoder, EmbeddingCache

    db = inputs / "cache" / FILENAME
    monkeypatch.setattr("align.encoders.get_encoder",
                        lambda *a, **k: CachedEncoder(IdEncoder(), EmbeddingCache(db)))
    n = 40
    (inputs / "en40.txt").write_text("\n\n".join(en_sentences(n)[:20]) + "\n\n"
                                     + " ".join(en_sentences(n)[20:]) + "\n", encoding="utf-8")
    (inputs / "zh40.txt").write_text("\n\n".join(zh_sentences(n)[:20]) + "\n\n"
                                     + "".join(zh_sentences(n)[20:35]) + "\n", encoding="utf-8")
    args = ["check", "en40.txt", "zh40.txt", "--json", "out/r.json"]
    runs = []
    for step in ("fresh", "cached", "damaged"):
        if step == "damaged":
            _damage(db, how)
        code, _out, err = run(args, capsys)
        data = json.loads((inputs / "out" / "r.json").read_text(encoding="utf-8"))
        runs.append((code, data["sentence_beads"], data["gaps"], data["findings"]))
        assert "Traceback" not in err
        if step == "damaged" and how != "overwrite 8 kB":
            assert "damaged embedding-cache row" in err, err
    assert runs[0][0] == 1  # the five English-only sentences are the gap
    assert [(g["only_in"], g["sentences"]) for g in runs[0][2]] == [("en", [35, 36, 37, 38, 39])]
    assert runs[1] == runs[0] and runs[2] == runs[0]


def test_non_finite_vectors_are_an_error_not_a_traceback(inputs, capsys, monkeypatch):
    class NaNEncoder(IdEncoder):
        def encode(self, texts, *, batch_size=32):
            out = super().encode(texts)
            out[len(out) // 2] = np.nan
            return out

    monkeypatch.setattr("align.encoders.get_encoder", lambda *a, **k: NaNEncoder())
    code, out, err = run(["check", "en.txt", "zh.txt"], capsys)
    assert_one_line_error(code, out, err, "NaN or infinity")


# --- cases 1, 5, 7 in batch: outputs never land on inputs, workers die with the parent, summary kept --


def _seed_pair_folder(folder: Path, copies: int = 1) -> Path:
    """The seed's halves as ``doc.html``-free text pairs ``a<i>.en.txt`` / ``a<i>.zh.txt``
    and a TSV manifest ``m.tsv`` listing them."""
    en, zh = _seed_halves()
    folder.mkdir(exist_ok=True)
    lines = []
    for i in range(copies):
        (folder / f"a{i}.en.txt").write_text(en, encoding="utf-8")
        (folder / f"a{i}.zh.txt").write_text(zh, encoding="utf-8")
        lines.append(f"a{i}.en.txt\ta{i}.zh.txt\ta{i}\n")
    (folder / "m.tsv").write_text("".join(lines), encoding="utf-8")
    return folder


def test_batch_output_on_an_input_is_refused(tmp_path, capsys, ideal_encoder):
    folder = _seed_pair_folder(tmp_path / "docs")
    en, zh = _seed_halves()
    (folder / "doc.html").write_text(en, encoding="utf-8")  # an input that -f html would replace
    (folder / "doc.zh.txt").write_text(zh, encoding="utf-8")
    (folder / "m.tsv").write_text("doc.html\tdoc.zh.txt\tdoc\n", encoding="utf-8")
    before = snapshot(folder)
    code, out, err = run(["batch", folder / "m.tsv", "-o", folder, "-f", "html", "-j", "1"], capsys)
    assert_one_line_error(code, out, err, "doc.html is an input")
    assert snapshot(folder) == before


def test_batch_summary_on_the_manifest_is_refused(tmp_path, capsys, ideal_encoder):
    folder = _seed_pair_folder(tmp_path / "docs")
    (folder / "summary.jsonl").write_text('{"en": "a0.en.txt", "zh": "a0.zh.txt", "id": "a0"}\n',
                                          encoding="utf-8")  # a JSONL manifest named like the summary
    before = snapshot(folder)
    code, out, err = run(["batch", folder / "summary.jsonl", "-o", folder, "-j", "1"], capsys)
    assert_one_line_error(code, out, err, "is the manifest")
    assert snapshot(folder) == before


def test_failed_batch_start_keeps_the_previous_summary(tmp_path, capsys, monkeypatch, ideal_encoder):
    pytest.importorskip("dask.distributed")
    from align import batch

    folder = _seed_pair_folder(tmp_path / "docs", copies=2)
    out = tmp_path / "out"
    assert run(["batch", folder / "m.tsv", "-o", out, "-j", "1", "-q"], capsys)[0] == 0
    summary = (out / "summary.jsonl").read_bytes()
    assert summary.count(b"\n") == 2
    monkeypatch.setattr(batch, "_CONNECT_TIMEOUT_S", 1)
    code, out_text, err = run(["batch", folder / "m.tsv", "-o", out, "--scheduler",
                               "tcp://127.0.0.1:9"], capsys)
    assert_one_line_error(code, out_text, err, "cannot reach the Dask scheduler")
    assert (out / "summary.jsonl").read_bytes() == summary  # was truncated to 0 bytes


def _children(pid: int) -> set[int]:
    """The pids of the processes whose parent is ``pid``."""
    found = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat_file.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_batch_workers_die_with_a_killed_parent(tmp_path):
    folder = _seed_pair_folder(tmp_path / "docs", copies=12)
    proc = subprocess.Popen([sys.executable, "-m", "align", "batch", str(folder / "m.tsv"), "-o",
                             str(tmp_path / "out"), "-j", "2", "-q"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "ALIGN_CACHE_DIR": str(tmp_path / "cache")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = {pid for pid in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()}
    assert len(workers) == 2, "the workers did not start"
    assert _survivors_of_killed_parent(proc, workers, wait=5) == []


def _survivors_of_killed_parent(proc: subprocess.Popen, workers: set[int], wait: float) -> list[int]:
    """SIGKILL ``proc``; the ``workers`` still alive ``wait`` seconds later (then killed)."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + wait
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return survivors


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid``: a Dask nanny's worker is a grandchild."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()) - found:
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_dask_local_workers_die_with_a_killed_parent(tmp_path):
    pytest.importorskip("dask.distributed")
    folder = _seed_pair_folder(tmp_path / "docs", copies=60)
    summary = tmp_path / "out" / "summary.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "align", "batch", str(folder / "m.tsv"), "-o",
                             str(tmp_path / "out"), "-j", "2", "-q", "--scheduler", "local"],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT),
                                               "ALIGN_CACHE_DIR": str(tmp_path / "cache")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    busy: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:  # workers running pairs
        time.sleep(0.2)
        busy = _descendants(proc.pid)
        if summary.exists() and summary.read_bytes().count(b"\n") >= 2 and len(busy) >= 2:
            break
    assert proc.poll() is None and len(busy) >= 2, "the Dask workers did not start in time"
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert _survivors_of_killed_parent(proc, busy, wait=10) == []
    time.sleep(1)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) <= len(before) + 2  # at most the pairs being written when it was killed

# --- case 9: jieba writes nothing to the shared temp folder and prints nothing ---------------------


def test_jieba_leaves_the_system_temp_folder_alone(inputs):
    temp = inputs / "tmp"
    temp.mkdir()
    (temp / "jieba.cache").mkdir()  # a shared cache jieba cannot replace (another user's, say)
    before = snapshot(temp)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp), "ALIGN_CACHE_DIR": str(inputs / "cache")}
    proc = subprocess.run([sys.executable, "-m", "align", "check", "en.txt", "zh.txt", "-q"], cwd=inputs,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""  # was: jieba's "Dump cache file failed" traceback
    assert snapshot(temp) == before  # was: a 9 MB temporary file left behind
    assert (inputs / "cache" / "jieba" / "jieba.cache").is_file()


# --- case 10: a cache that was read-only works again once write access is back --------------------


_READ_ONLY_SCENARIO = """
import os, sys
sys.path.insert(0, sys.argv[2])
from tests.test_robustness import IdEncoder
from align.cache import CachedEncoder, EmbeddingCache
db = sys.argv[1]

def run(texts):
    cache = EmbeddingCache(db)
    encoder = CachedEncoder(IdEncoder(), cache)
    encoder.encode(texts)
    cache.close()
    return cache.enabled, encoder.stats.hits, encoder.stats.encoded

print(run(["Item 1", "Item 2"]))
os.chmod(db, 0o444)            # the cache made read-only: lookups still served
print(run(["Item 1", "Item 3"]))
os.chmod(db, 0o644)            # write access restored (the -shm SQLite made is still 0444)
print(run(["Item 4"]))
print(run(["Item 4"]))         # stored by the run before
"""


def test_cache_works_again_after_being_read_only():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # not under pytest's 0700 folder: nobody may enter
        folder = Path(tmp) / "cache"
        folder.mkdir()
        prefix: list[str] = []
        if os.geteuid() == 0:  # root ignores file modes: run the scenario as nobody
            if shutil.which("setpriv") is None:
                pytest.skip("root, and no setpriv to run as another user")
            Path(tmp).chmod(0o755)
            os.chown(folder, 65534, 65534)
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        proc = subprocess.run([*prefix, sys.executable, "-c", _READ_ONLY_SCENARIO, str(folder / FILENAME),
                               str(ROOT)], capture_output=True, text=True, timeout=120, check=False, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    # was: (False, 1, 1), then (False, 0, 1) twice: caching off for good
    assert proc.stdout.split("\n")[:4] == ["(True, 0, 2)", "(True, 1, 1)", "(True, 0, 1)", "(True, 1, 0)"]


# --- case 11: minor ones ----------------------------------------------------------------------------


def test_output_folder_without_format_says_it_is_a_folder(inputs, capsys, ideal_encoder):
    code, out, err = run(["pair", "en.txt", "zh.txt", "-o", "out"], capsys)
    assert_one_line_error(code, out, err, "cannot write out: it is a folder")


def test_output_to_a_process_substitution(inputs, capsys, ideal_encoder):
    """``-o >(cmd)`` names /dev/fd/N, a link to a pipe: written through."""
    read_end, write_end = os.pipe()
    try:
        code, _out, err = run(["pair", "en.txt", "zh.txt", "-o", f"/dev/fd/{write_end}", "-f", "tsv"], capsys)
        os.close(write_end)
        write_end = -1
        data = os.read(read_end, 1 << 16)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    assert code == 0, err
    assert "Budget 2" in data.decode("utf-8")


@pytest.mark.parametrize(("text", "expected"), [
    ("他說&#39;好&#39;然後離開。", ["他說&#39;好&#39;然後離開。"]),
    ("美國電話電報公司（AT&amp;T）宣布&amp;收購完成。", ["美國電話電報公司（AT&amp;T）宣布&amp;收購完成。"]),
    ("第一句!第二句。", ["第一句!", "第二句。"]),  # a real half-width stop still ends one
    ("第一句;第二句。", ["第一句;第二句。"]),  # a semicolon, as ；, ends none
])
def test_chinese_is_not_split_inside_character_references(text, expected):
    assert split_sentences(text, "zh") == expected


@pytest.mark.parametrize("value", ["nan", "-0.5", "2", "inf"])
def test_min_confidence_out_of_range_names_the_range(inputs, capsys, ideal_encoder, value):
    code, out, err = run(["check", "en.txt", "zh.txt", "--min-confidence", value], capsys)
    assert_one_line_error(code, out, err, "--min-confidence must be a number from 0 to 1")


def test_output_to_a_local_device_node_stays_a_device(inputs, capsys, ideal_encoder):
    import stat as stat_module

    node = inputs / "null"
    try:
        os.mknod(node, stat_module.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("mknod needs root")
    code, _out, err = run(["pair", "en.txt", "zh.txt", "-o", node, "-f", "tsv"], capsys)
    assert code == 0, err
    assert node.is_char_device()  # was: an 11 kB plain file in its place
