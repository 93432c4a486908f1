"""DOCX (Word) reader, with python-docx.

Body paragraphs and tables in document order; each table cell's paragraphs
in row order, a merged cell once; then the footnotes. Headings (styles
``Heading n`` and ``Title``) keep kind ``"heading"``. Locations: ``¶ 14`` (the
14th non-empty body paragraph), ``table 1 r2c3`` (``table 1 r2c3 ¶ 2`` for the
second paragraph of a cell), ``footnote 3``. ``line`` is the running number of
the paragraph in the file. Headers, footers, text boxes and comments are not
read.
"""

from __future__ import annotations

import re

from ..errors import InputError
from .base import Block, BlockSource, join_parts, needs

_HEADING_STYLE_RE = re.compile(r"^(?:heading\s*\d*|title|subtitle)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(name: str) -> BlockSource:
    """Read a .docx file into paragraphs (see the module docstring)."""
    docx = needs("python-docx", "docx", "DOCX")
    try:
        document = docx.Document(name)
    except Exception as exc:
        raise InputError(f"{name} is not a valid DOCX file ({type(exc).__name__}: {exc}); "
                         "save it again from Word or LibreOffice as .docx") from None
    from docx.table import Table

    blocks: list[Block] = []
    counts = {"paragraph": 0, "table": 0}

    def add(text: str, location: str, heading: bool = False) -> None:
        joined, _ = join_parts(text.split("\n"))
        if joined:
            number = len(blocks) + 1
            blocks.append(Block(joined, number, number, location, "heading" if heading else None))

    def table(t) -> None:
        counts["table"] += 1
        label = f"table {counts['table']}"
        seen: dict[int, object] = {}  # holds the elements, so their ids stay unique
        for r, row in enumerate(t.rows, start=1):
            for c, cell in enumerate(row.cells, start=1):
                if id(cell._tc) in seen:  # a merged cell repeats in every grid slot
                    continue
                seen[id(cell._tc)] = cell._tc
                k = 0
                for item in cell.iter_inner_content():
                    if isinstance(item, Table):
                        table(item)
                    elif item.text.strip():
                        k += 1
                        add(item.text, f"{label} r{r}c{c}" + (f" ¶ {k}" if k > 1 else ""),
                            _is_heading(item))

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            table(item)
        elif item.text.strip():
            counts["paragraph"] += 1
            add(item.text, f"¶ {counts['paragraph']}", _is_heading(item))
    for number, text in _footnotes(document):
        add(text, f"footnote {number}")
    if not blocks:
        raise InputError(f"{name} has no text; give a document with English or Chinese text")
    return BlockSource(blocks, "docx")


def _is_heading(paragraph) -> bool:
    try:
        style = paragraph.style.name or ""
    except (AttributeError, KeyError, ValueError):
        return False
    return bool(_HEADING_STYLE_RE.match(style.strip()))


def _footnotes(document) -> list[tuple[str, str]]:
    """``(footnote id, text)`` of the real footnotes (not separators)."""
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype.endswith("/footnotes") and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob)
            notes = []
            for note in root.iter(f"{_W}footnote"):
                if note.get(f"{_W}type") in ("separator", "continuationSeparator",
                                             "continuationNotice"):
                    continue
                paragraphs = ["".join(t.text or "" for t in p.iter(f"{_W}t"))
                              for p in note.iter(f"{_W}p")]
                text = " ".join(p for p in paragraphs if p.strip())
                if text.strip():
                    notes.append((note.get(f"{_W}id") or "?", text))
            return notes
    return []
