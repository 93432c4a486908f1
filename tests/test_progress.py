"""Progress: the library reports stages through a callback, the CLI draws a bar
on a terminal only (never when piped, never with ``-q``)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from align.api import align_files
from tests.conftest import ROOT, SEED_MIXED


def test_library_reports_every_stage_in_order_and_prints_nothing(encoder, capsys):
    calls: list[tuple[str, int, int]] = []
    result = align_files(SEED_MIXED, encoder=encoder, progress=lambda *call: calls.append(call))
    assert capsys.readouterr() == ("", "")
    stages = [stage for stage, _, _ in calls]
    assert stages[0] == "embedding" and stages[-1] == "checking"
    assert stages == sorted(stages, key=["embedding", "aligning", "checking"].index)
    sentences = len(result.en.sentences) + len(result.zh.sentences)
    embedded = [(done, total) for stage, done, total in calls if stage == "embedding"]
    assert embedded[-1][0] == embedded[-1][1] >= sentences  # sentences and the Chinese glosses
    aligned = [done for stage, done, total in calls if stage == "aligning"]
    assert aligned == sorted(aligned) and aligned[-1] == sentences
    assert calls[-1] == ("checking", 2, 2)


def _env() -> dict[str, str]:
    return {**os.environ, "ALIGN_PROGRESS_DELAY": "0", "TERM": "xterm-256color", "COLUMNS": "100"}


def _run_on_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``align ARGS`` with stderr on a pseudo-terminal; its exit status and what it drew."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "align", *args], cwd=ROOT, env=_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


def test_pair_on_a_terminal_shows_the_stages(tmp_path):
    code, drawn = _run_on_terminal(["pair", str(SEED_MIXED), "-o", str(tmp_path / "out.tsv")])
    assert code == 0
    assert "embedding" in drawn and "sentences" in drawn
    assert "wrote" in drawn and (tmp_path / "out.tsv").read_text(encoding="utf-8")


def test_pair_with_quiet_on_a_terminal_draws_nothing(tmp_path):
    code, drawn = _run_on_terminal(["pair", str(SEED_MIXED), "-o", str(tmp_path / "out.tsv"), "-q"])
    assert code == 0
    assert "embedding" not in drawn and "aligning" not in drawn
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8")


def test_pair_piped_prints_only_its_summary(tmp_path):
    out = tmp_path / "out.tsv"
    proc = subprocess.run([sys.executable, "-m", "align", "pair", str(SEED_MIXED), "-o", str(out)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [line for line in proc.stderr.splitlines() if line.startswith("wrote ")]
    assert len(proc.stderr.splitlines()) == 1
