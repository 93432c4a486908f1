import subprocess
import sys

import pytest

from align.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert "align" in capsys.readouterr().out


def test_import_is_light():
    code = "import sys, align, align.cli; bad = [m for m in ('torch', 'sentence_transformers') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_top_level_api_loads_on_first_use():
    code = ("import sys, align; before = 'align.api' in sys.modules; "
            "names = [getattr(align, n) for n in align.__all__]; "
            "print(before, align.align_texts is sys.modules['align.api'].align_texts)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    import align

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        align.nope  # noqa: B018


def test_python_m_align():
    out = subprocess.run([sys.executable, "-m", "align", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "align" in out.stdout
