"""Debian's Maintainers' Guide in English and Chinese, paragraph by paragraph.

The translations are made with po4a, so the k-th ``<p>`` of an English page is
the k-th ``<p>`` of the Chinese page: a gold paragraph alignment of real
technical documentation. The documents are never committed; :func:`pages`
installs the Debian packages when they are missing (which needs root and apt).

    >>> for name, en, zh in pages("zh-tw"): ...   # doctest: +SKIP
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

VARIANTS = ("zh-tw", "zh-cn")
_ROOT = Path("/usr/share/doc")


def install(variant: str) -> Path:
    """The HTML folder of ``variant``, installing the packages with apt if needed."""
    folder = _ROOT / f"maint-guide-{variant}" / "html"
    if not folder.is_dir() or not (_ROOT / "maint-guide" / "html").is_dir():
        if shutil.which("apt-get") is None:
            raise SystemExit("maint-guide is not installed and apt-get is not available")
        subprocess.run(["apt-get", "install", "-y", "-qq", "maint-guide", f"maint-guide-{variant}"],
                       check=True, stdout=subprocess.DEVNULL)
    return folder


def paragraphs(path: Path) -> list[str]:
    """The text of every ``<p>`` of an HTML page, whitespace collapsed."""
    from lxml import html

    tree = html.parse(str(path))
    return [re.sub(r"\s+", " ", p.text_content()).strip() for p in tree.iter("p")]


def pages(variant: str = "zh-tw", min_paragraphs: int = 2) -> list[tuple[str, list[str], list[str]]]:
    """``(page name, English <p> texts, Chinese <p> texts)`` for every page whose
    ``<p>`` counts match (they match on every page of the current packages)."""
    folder = install(variant)
    out = []
    for zh_path in sorted(folder.glob(f"*.{variant}.html")):
        name = zh_path.name.split(".")[0]
        en_path = _ROOT / "maint-guide" / "html" / f"{name}.en.html"
        if not en_path.is_file():
            continue
        en, zh = paragraphs(en_path), paragraphs(zh_path)
        if len(en) == len(zh) and len(en) >= min_paragraphs:
            out.append((name, en, zh))
    return out


def documents(en: list[str], zh: list[str]):
    """English and Chinese :class:`align.models.Document` s, one paragraph per ``<p>``
    (empty ``<p>`` s dropped on both sides, so that the k-th paragraphs still correspond)."""
    from align.text import build_document

    keep = [k for k in range(len(en)) if en[k] and zh[k]]
    def lines(texts: list[str]) -> list[str]:
        out: list[str] = []
        for k in keep:
            out += [texts[k], ""]
        return out
    return build_document(lines(en), "en"), build_document(lines(zh), "zh")
