"""Markdown reader, with markdown-it-py (CommonMark plus tables).

Each block with inline text (paragraph, heading, list item paragraph, table
cell, blockquote paragraph) is one paragraph; headings keep kind
``"heading"``. Markup is stripped: emphasis, links (their text kept), images
(their alt text kept), inline code (its text kept), inline HTML. Fenced and
indented code blocks, HTML blocks and a leading ``---`` front matter are
skipped. Lines are the file's lines, as for text.
"""

from __future__ import annotations

import re

from ..decoding import read_file
from ..errors import InputError
from .base import Block, BlockSource, join_parts, needs

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)


def read_markdown(name: str) -> BlockSource:
    """Read a Markdown file into paragraphs (see the module docstring)."""
    text, encoding = read_file(name)
    markdown_it = needs("markdown-it-py", "markdown_it", "Markdown")
    front = _FRONT_MATTER_RE.match(text)
    if front:  # keep the line count: blank the front matter out
        text = "\n" * front.group().count("\n") + text[front.end():]
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    heading = False
    for token in tokens:
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline" and token.map:
            parts = _inline_lines(token)
            joined, starts = join_parts(parts)
            if not joined:
                continue
            first = token.map[0] + 1
            lines = tuple(first + i for i in range(len(parts)))
            blocks.append(Block(joined, lines[0], lines[-1], None, "heading" if heading else None,
                                starts, lines))
    if not blocks:
        raise InputError(f"{name} has no text outside code blocks; give English or Chinese text")
    return BlockSource(blocks, f"markdown, {encoding}")


def _inline_lines(token) -> list[str]:
    """The plain text of an inline token, one string per source line."""
    lines = [""]
    for child in token.children or ():
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            lines.append("")
        elif kind in ("text", "code_inline"):
            lines[-1] += child.content
        elif kind == "image":
            lines[-1] += child.content or "".join(c.content for c in child.children or ())
    return lines
