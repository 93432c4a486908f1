"""PDF reader: the text layer, with pypdf.

Each page's text is extracted in pypdf's layout mode, which keeps vertical
gaps as blank lines; the runs of spaces it pads lines with are collapsed. A
page number alone on the first or last line of a page (``12``, ``- 12 -``,
``Page 12``, ``12 / 40``, ``第 12 頁``) is dropped. Pages are then concatenated
without a blank line when the page's last line does not end a sentence, so
the paragraph rules of :mod:`align.text` (blank lines, hard-wrap width,
sentence-final punctuation) rejoin the lines of a paragraph, including one
that runs on to the next page. A page whose last line ends a sentence ends
the paragraph: a paragraph that happens to break there is read as two (the
aligner pairs them with one), rather than two paragraphs read as one, which
could hide a missing paragraph.

Locations read ``p. 3, ¶ 2`` (the page where the paragraph starts, its rank
among the paragraphs starting there); ``line`` is the running paragraph
number. A PDF without a text layer (scanned pages) is an error: OCR it first.
Multi-column pages are read across the columns, as pypdf lays them out.
"""

from __future__ import annotations

import re

from ..errors import InputError
from .base import PageSource, needs

_PAGE_NUMBER_RE = re.compile(
    r"^(?:(?:page|p\.)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|of)\s*\d{1,4})?$"
    r"|^第\s*\d{1,4}\s*[頁页]$", re.IGNORECASE)
_PADDING_RE = re.compile(r"[ \t\u00a0]{2,}")
# The end of a sentence (closing quotes and brackets may follow).
_SENTENCE_END_RE = re.compile("[.!?;:\u2026\u3002\uff01\uff1f\uff1b\uff1a][\"'\u201d\u2019\u300d\u300f)\uff09\\]]*$")


def read_pdf(name: str) -> PageSource:
    """Read the text layer of a PDF into lines (see the module docstring)."""
    pypdf = needs("pypdf", "pypdf", "PDF")
    try:
        reader = pypdf.PdfReader(name)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name} is encrypted; save an unprotected copy first")
        pages = list(reader.pages)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{name} is not a readable PDF ({type(exc).__name__}: {exc})") from None
    lines: list[str] = []
    page_of: list[int] = []
    for number, page in enumerate(pages, start=1):
        page_lines = _page_lines(page)
        if lines and page_lines and _SENTENCE_END_RE.search(lines[-1]):
            lines.append("")  # a page ending a sentence ends the paragraph too
            page_of.append(number - 1)
        lines += page_lines
        page_of += [number] * len(page_lines)
    if not any(line.strip() for line in lines):
        raise InputError(
            f"{name} has no text layer (a scanned or image-only PDF?): run OCR on it first "
            "(e.g. ocrmypdf) or give the text as DOCX, HTML or plain text")
    return PageSource(lines, page_of)


def _page_lines(page) -> list[str]:
    """The stripped lines of one page, blank lines at gaps, page numbers dropped."""
    try:
        text = page.extract_text(extraction_mode="layout")
    except Exception:
        try:
            text = page.extract_text() or ""
        except Exception:
            text = ""
    lines = [_PADDING_RE.sub(" ", line).strip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    for end in (0, -1):  # a page number alone at the top or bottom
        if lines and _PAGE_NUMBER_RE.match(lines[end]):
            lines.pop(end)
            while lines and not lines[end]:
                lines.pop(end)
    # Collapse runs of blank lines (bigger gaps say nothing more).
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out
