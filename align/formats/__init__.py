"""Input formats: one reader per format, chosen by extension or by name.

    >>> from align.formats import input_format
    >>> input_format("en.docx"), input_format("notes.md"), input_format("a.txt")
    ('docx', 'markdown', 'text')

A reader is ``read(path) -> Source`` (see :mod:`align.formats.base`); readers
are named by dotted path and imported when used, so ``import align`` loads
neither python-docx, pypdf, lxml nor markdown-it. ``text`` has no reader: it
is :func:`align.decoding.read_file`. Bilingual files (TMX, XLIFF, TSV) are not
documents; :mod:`align.bilingual` reads them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import InputError, UsageError
from ..registry import Registry, load
from .base import Block, BlockSource, PageSource, Source

__all__ = ["EXTENSIONS", "FORMATS", "Block", "BlockSource", "PageSource", "Source",
           "input_format", "input_formats", "read_source"]

#: Format name -> ``"module:function"`` of its reader (None: plain text).
FORMATS: Registry[str | None] = Registry("align.formats", {
    "text": None,
    "docx": "align.formats.docx:read_docx",
    "html": "align.formats.html:read_html",
    "markdown": "align.formats.markdown:read_markdown",
    "pdf": "align.formats.pdf:read_pdf",
})
#: File extension -> format; any other extension is text (or sniffed, below).
EXTENSIONS = {".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
              ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}
_ALIASES = {"txt": "text", "plain": "text", "md": "markdown", "htm": "html"}


def _canonical(name: str) -> str:
    key = name.strip().lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise UsageError(f"unknown input format {name!r}: choose from {', '.join(FORMATS)}")
    return key


def input_format(path: str | os.PathLike[str], requested: str | None = None) -> str:
    """The format of ``path``: ``requested`` when given, else by extension.

    A file with another extension that starts like a PDF (``%PDF-``) or is a
    Word document (a zip holding ``word/document.xml``) is read as such.

    Raises:
        UsageError: ``requested`` is not a format name.
    """
    if requested:
        return _canonical(requested)
    suffix = Path(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    try:
        with open(path, "rb") as f:
            head = f.read(5)
        if head == b"%PDF-":
            return "pdf"
        if head[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(path) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
    except (OSError, zipfile.BadZipFile):
        return "text"  # read_file reports missing or unreadable files
    return "text"


def input_formats(count: int, requested: str | None) -> list[str | None]:
    """Split ``--input-format`` for ``count`` files: one name for all, or one per file
    (``"docx,pdf"``, in argument order; an empty item means by extension)."""
    if not requested:
        return [None] * count
    names = [n.strip() or None for n in requested.split(",")]
    if len(names) == 1:
        names *= count
    if len(names) != count:
        raise UsageError(f"--input-format {requested!r}: give one format, or one per file "
                         f"({count} files), comma-separated")
    return [None if n is None else _canonical(n) for n in names]


def read_source(path: str | os.PathLike[str], fmt: str) -> Source:
    """Read ``path`` with the reader of ``fmt`` (not ``"text"``).

    Raises:
        InputError: the file is missing, unreadable, damaged or has no text.
    """
    name = os.fspath(path)
    file = Path(name)
    if file.is_dir():
        raise InputError(f"{name} is a directory; give a file")
    if not file.exists():
        raise InputError(f"{name}: no such file; check the path")
    target = FORMATS[_canonical(fmt)]
    if target is None:
        raise ValueError("plain text has no reader: use align.decoding.read_file")
    source: Source = load(target)(name)
    return source
