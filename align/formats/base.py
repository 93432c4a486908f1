"""What a reader returns: text lines for the text pipeline, plus a way to put
each paragraph's real location back once the documents are built.

Every reader turns its file into *lines* that :mod:`align.read` treats exactly
like a text file's (language split per line, blank lines between paragraphs,
:func:`align.text.build_document`), so paragraph and sentence rules stay in one
place. Line *k* of that text is an index into the source's own table of
places; :meth:`Source.locate` then rewrites ``line``/``end_line`` and fills
``location`` on every paragraph and sentence.

Two kinds of source:

- :class:`BlockSource` (DOCX, HTML, Markdown): the format already knows its
  paragraphs. Each block becomes one line followed by a blank line, so it is
  exactly one paragraph.
- :class:`PageSource` (PDF): text lines of pages, with a blank line wherever
  the page shows a paragraph gap; the hard-wrap rules of ``align.text`` rejoin
  wrapped lines, also across a page break.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from importlib import import_module

from ..errors import InputError
from ..models import Document

_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Block:
    """One paragraph as the format delimits it.

    Attributes:
        text: the paragraph, one line (no line breaks).
        line: what ``Paragraph.line`` becomes: a running paragraph number, or a
            source line (Markdown).
        end_line: likewise for ``end_line``.
        location: the human-readable place (``"¶ 14"``, ``"table 1 r2c3"``,
            ``"/html/body/p[3]"``), or None where ``line`` says it (Markdown).
        kind: a paragraph kind the format states (``"heading"``); None lets
            :func:`align.text.paragraph_kind` decide.
        starts: offsets in ``text`` where each source line begins (Markdown);
            empty when the block has one place.
        lines: the source line of each of those parts.
    """

    text: str
    line: int
    end_line: int
    location: str | None = None
    kind: str | None = None
    starts: tuple[int, ...] = ()
    lines: tuple[int, ...] = ()

    def line_at(self, offset: int) -> int:
        """The source line of character ``offset``."""
        if not self.starts:
            return self.line
        return self.lines[bisect.bisect_right(self.starts, offset) - 1]


def join_parts(parts: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join the pieces of one paragraph (lines broken by the source) into one line.

    Whitespace inside each piece is collapsed; pieces are glued by the rule of
    hard-wrapped lines (:func:`align.script.glue_lines`: a space between English
    words, nothing next to Chinese, nothing after a word-breaking hyphen).

    Returns:
        ``(text, start offset of each piece)``; empty pieces start where the
        next one does.
    """
    from ..script import CJKISH_RE, glue_lines  # the one joining rule of wrapped lines

    text, starts = "", []
    for raw in parts:
        piece = _SPACE_RE.sub(" ", raw).strip()
        if text and piece:
            cjk = CJKISH_RE.match(text[-1]) or CJKISH_RE.match(piece[0])
            text += glue_lines(text, piece, "zh" if cjk else "en")
        starts.append(len(text))
        text += piece
    return text, tuple(starts)


class Source:
    """A file read by a format reader.

    Attributes:
        text: the lines for the text pipeline, joined by ``\\n``.
        encoding: what ``Document.encoding`` shows (``"docx"``, ``"pdf"``,
            ``"html, utf-8"``...).
    """

    text: str
    encoding: str

    def locate(self, *docs: Document) -> tuple[Document, ...]:
        """The documents built from :attr:`text`, with their real lines and locations."""
        return docs


class BlockSource(Source):
    """Paragraphs delimited by the format (DOCX, HTML, Markdown)."""

    def __init__(self, blocks: list[Block], encoding: str) -> None:
        self.blocks = [b for b in blocks if b.text.strip()]
        self.encoding = encoding
        # Block i is line 2i + 1, followed by a blank line: one paragraph each.
        self.text = "\n".join(line for b in self.blocks for line in (b.text, ""))

    def locate(self, *docs: Document) -> tuple[Document, ...]:
        return tuple(self._locate(doc) for doc in docs)

    def _locate(self, doc: Document) -> Document:
        paragraphs = []
        for p in doc.paragraphs:
            block = self.blocks[(p.line - 1) // 2]
            sentences, offset = [], 0
            for s in p.sentences:
                start = p.text.find(s.text, offset)
                start = offset if start < 0 else start
                offset = start + len(s.text)
                sentences.append(replace(
                    s, line=block.line_at(start), end_line=block.line_at(max(start, offset - 1))
                    if block.starts else block.end_line, location=block.location))
            paragraphs.append(replace(
                p, line=block.line, end_line=block.end_line, location=block.location,
                kind=block.kind or p.kind, sentences=tuple(sentences)))
        return replace(doc, paragraphs=tuple(paragraphs))


@dataclass
class PageSource(Source):
    """Text lines of numbered pages (PDF); ``""`` marks a paragraph gap.

    After building, ``line``/``end_line`` become a running paragraph number in
    the file (both languages counted, in reading order) and ``location`` reads
    ``"p. 3, ¶ 2"``: the page where the paragraph starts and its rank among the
    paragraphs starting on that page.
    """

    lines: list[str]
    pages: list[int]  # the page of each line
    encoding: str = "pdf"
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = "\n".join(self.lines)

    def locate(self, *docs: Document) -> tuple[Document, ...]:
        starts = sorted({p.line for doc in docs for p in doc.paragraphs})
        number = {line: i + 1 for i, line in enumerate(starts)}
        rank: dict[int, int] = {}
        per_page: dict[int, int] = {}
        for line in starts:
            page = self.page(line)
            per_page[page] = per_page.get(page, 0) + 1
            rank[line] = per_page[page]
        out = []
        for doc in docs:
            paragraphs = []
            for p in doc.paragraphs:
                page = self.page(p.line)
                where = f"p. {page}, ¶ {rank[p.line]}"
                sentences = tuple(
                    replace(s, line=number[p.line], end_line=number[p.line],
                            location=where if self.page(s.line) == page
                            else f"p. {self.page(s.line)} (¶ {rank[p.line]} of p. {page})")
                    for s in p.sentences)
                paragraphs.append(replace(p, line=number[p.line], end_line=number[p.line],
                                          location=where, sentences=sentences))
            out.append(replace(doc, paragraphs=tuple(paragraphs)))
        return tuple(out)

    def page(self, line: int) -> int:
        """The page of 1-based text line ``line``."""
        return self.pages[line - 1]


def needs(package: str, module: str, fmt: str):
    """Import ``module`` or fail with the install command for ``package``."""
    try:
        return import_module(module)
    except ImportError:
        raise InputError(f"reading {fmt} files needs the package {package!r}: "
                         f"pip install {package}") from None
