"""The package type-checks (mypy, configured in pyproject.toml) and lints clean (ruff).

Both are in the ``test`` extra, so CI runs them with the tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip(module)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_mypy_is_clean():
    proc = _run("mypy")  # files and options: [tool.mypy] in pyproject.toml
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_ruff_is_clean():
    proc = _run("ruff", "check", "align", "tests", "bench")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
