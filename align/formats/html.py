"""HTML reader, with lxml.

The file is decoded like a text file (:func:`align.decoding.read_file`: BOM,
UTF-8, Big5/GB18030), then parsed. Block elements (``p``, ``h1``-``h6``,
``li``, ``td``, ``blockquote``, ``div``...) are paragraphs; the text directly
inside a block around nested blocks is a paragraph of its own. ``script``,
``style``, ``head``, ``template``, ``noscript``, ``pre`` and comments are
dropped; entities are decoded by the parser; whitespace is collapsed as a
browser does, except that a source line break between Chinese characters
joins them without a space. Location: the element path
(``/html/body/div[2]/p[3]``); ``line`` is the running paragraph number.
"""

from __future__ import annotations

from ..decoding import read_file
from ..errors import InputError
from .base import Block, BlockSource, join_parts, needs

BLOCK_TAGS = frozenset([
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "body", "html"])
DROP_TAGS = frozenset(["script", "style", "head", "template", "noscript", "pre", "svg", "math",
                       "iframe", "object"])
HEADING_TAGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])


def read_html(name: str) -> BlockSource:
    """Read an HTML file into paragraphs (see the module docstring)."""
    text, encoding = read_file(name)
    lxml_html = needs("lxml", "lxml.html", "HTML")
    from lxml import etree

    if text.lstrip().startswith("<?xml"):  # lxml refuses str with an encoding declaration
        text = text[text.index("?>") + 2:]
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{name} cannot be parsed as HTML ({exc})") from None
    tree = root.getroottree()
    blocks: list[Block] = []
    buffer: list[str] = []
    owners: list = []

    def flush() -> None:
        joined, _ = join_parts("".join(buffer).split("\n"))
        buffer.clear()
        if joined and owners:
            owner = owners[-1]
            number = len(blocks) + 1
            blocks.append(Block(joined, number, number, tree.getpath(owner),
                                "heading" if owner.tag in HEADING_TAGS else None))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag.lower() in DROP_TAGS:  # comments, processing instructions
            buffer.append(el.tail or "")
            return
        tag = tag.lower()
        block = tag in BLOCK_TAGS
        if block:
            flush()
            owners.append(el)
        if tag == "br":
            buffer.append("\n")
        buffer.append(el.text or "")
        if tag == "img" and el.get("alt"):
            buffer.append(f" {el.get('alt')} ")
        for child in el:
            walk(child)
        if block:
            flush()
            owners.pop()
        buffer.append(el.tail or "")

    walk(root)
    flush()
    if not blocks:
        raise InputError(f"{name} has no text; give a page with English or Chinese text")
    return BlockSource(blocks, f"html, {encoding}")
