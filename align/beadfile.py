"""Alignment files: bead lists as text, InterText XML and our own JSON result.

A *bead pair* is ``(src, tgt)``: two tuples of 0-based sentence positions, one per
side, in the order of the file they come from. One side may be empty (a 1-0 or 0-1
bead). The text format is the one Vecalign and Bertalign read and write, one bead
per line::

    [0,1]:[0]
    [2]:[]
    []:[1]

Vecalign's ``[0, 1]:[0]:0.214`` output (spaces, a trailing score) is read too; the
score is dropped.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TypeGuard

from .errors import InputError
from .models import Lang

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]

_SIDE = r"\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]"
_BEAD_LINE = re.compile(
    rf"^\s*{_SIDE}\s*:\s*{_SIDE}\s*(?::\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*)?$"
)
# CJK Unified Ideographs (with extension A) and compatibility ideographs.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _side(group: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in group.split(",")) if group else ()


def parse_beads(text: str) -> list[BeadPair]:
    """Parse beads written one per line as ``[i,j]:[k]``.

    Blank lines are skipped; spaces inside a line are allowed.

    Args:
        text: the file's content.

    Returns:
        The beads in file order, e.g. ``[((0, 1), (0,)), ((2,), ())]``.

    Raises:
        InputError: a line is not a bead; the message names its 1-based number.
    """
    beads = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _BEAD_LINE.match(line)
        if match is None:
            shown = line.strip()
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise InputError(f"line {number}: {shown!r} is not a bead (expected e.g. [0,1]:[2])")
        beads.append((_side(match.group(1)), _side(match.group(2))))
    return beads


def format_beads(beads: Iterable[BeadPair]) -> str:
    """Write beads as ``[0,1]:[2]`` lines, the inverse of :func:`parse_beads`.

    Args:
        beads: ``(src, tgt)`` pairs.

    Returns:
        One line per bead, no spaces, with a trailing newline (``""`` for no beads).
    """
    return "".join(
        f"[{','.join(map(str, src))}]:[{','.join(map(str, tgt))}]\n" for src, tgt in beads
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_beads(path: str | os.PathLike) -> list[BeadPair]:
    """Read a bead file (see :func:`parse_beads`).

    Raises:
        InputError: the file is missing, unreadable or has a bad line.
    """
    path = Path(path)
    text = _read_text(path)
    try:
        return parse_beads(text)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def read_result_json(path: str | os.PathLike, *, src_lang: Lang = "zh") -> list[BeadPair]:
    """Read the sentence beads of an ``align`` JSON result as bead pairs.

    The result is an object with ``"sentence_beads": [{"en": [...], "zh": [...],
    "score": ...}, ...]``. Its ``settings`` (which input came first when it was
    made) are not used: the side order must be that of the gold, given here.

    Args:
        path: the JSON file.
        src_lang: the language of the first side of the returned pairs.

    Returns:
        ``(src, tgt)`` pairs, ``src`` being the ``src_lang`` side.

    Raises:
        InputError: not JSON, or no well-formed ``sentence_beads`` list.
    """
    path = Path(path)
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    beads = data.get("sentence_beads") if isinstance(data, dict) else None
    if not isinstance(beads, list):
        raise InputError(f"{path}: not an align result (no \"sentence_beads\" list)")
    tgt_lang: Lang = "en" if src_lang == "zh" else "zh"
    pairs = []
    for number, bead in enumerate(beads):
        src, tgt = (bead.get(lang) if isinstance(bead, dict) else None for lang in (src_lang, tgt_lang))
        if not (_is_indices(src) and _is_indices(tgt)):
            raise InputError(
                f"{path}: sentence_beads[{number}] needs \"en\" and \"zh\" lists of sentence indices"
            )
        pairs.append((tuple(src), tuple(tgt)))
    return pairs


def _is_indices(value: object) -> TypeGuard[list[int]]:
    return isinstance(value, list) and all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(path: Path) -> ET.Element:
    text = _read_text(path)
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise InputError(f"{path}: not well-formed XML ({exc})") from None


def is_intertext_links(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an InterText link file (an XML file whose root is ``linkGrp``)."""
    path = Path(path)
    if path.suffix.lower() != ".xml":
        return False
    return _local(_parse_xml(path).tag) == "linkGrp"


def _sentence_file(path: Path) -> tuple[dict[str, int], str]:
    """Map each ``<s id>`` of an InterText document to its 0-based position; also its text."""
    positions: dict[str, int] = {}
    texts = []
    for element in _parse_xml(path).iter():
        if _local(element.tag) != "s":
            continue
        sid = element.get("id")
        if sid is None:
            raise InputError(f"{path}: sentence {len(positions) + 1} has no id")
        if sid in positions:
            raise InputError(f"{path}: sentence id {sid!r} appears twice")
        positions[sid] = len(positions)
        texts.append("".join(element.itertext()))
    if not positions:
        raise InputError(f"{path}: no <s> sentences")
    return positions, "".join(texts)


def _cjk_share(text: str) -> float:
    return len(_CJK.findall(text)) / max(1, len(text))


_Links = list[tuple[tuple[str, ...], tuple[str, ...]]]
_Docs = list[tuple[Path, dict[str, int], str]]


def _linked_documents(path: Path, root) -> _Docs:
    """``(path, sentence id -> position, text)`` of the ``fromDoc`` and ``toDoc`` files."""
    docs: _Docs = []
    for attribute in ("fromDoc", "toDoc"):
        name = root.get(attribute)
        if not name:
            raise InputError(f"{path}: <linkGrp> has no {attribute} attribute")
        doc_path = path.parent / name
        if not doc_path.is_file():
            raise InputError(f"{path}: {attribute} {name!r} not found beside it")
        docs.append((doc_path, *_sentence_file(doc_path)))
    return docs


def _links(path: Path, root) -> _Links:
    """The two halves (sentence ids) of each ``<link xtargets="ids;ids"/>``."""
    links: _Links = []
    for number, element in enumerate((e for e in root.iter() if _local(e.tag) == "link"), start=1):
        halves = (element.get("xtargets") or "").split(";")
        if len(halves) != 2:
            raise InputError(f"{path}: link {number} needs xtargets=\"ids;ids\"")
        links.append((tuple(halves[0].split()), tuple(halves[1].split())))
    return links


def _unknown_id(links: _Links, docs: _Docs, order: tuple[int, int]) -> str | None:
    """The first id of ``links`` missing from its document when the halves are read
    in ``order`` (document of the first half, of the second), or None."""
    for link in links:
        for half, doc in zip(link, order, strict=True):
            for sid in half:
                if sid not in docs[doc][1]:
                    return f"{sid!r} (not in {docs[doc][0].name})"
    return None


def read_intertext(path: str | os.PathLike, *, src_lang: Lang = "zh") -> list[BeadPair]:
    """Read an InterText alignment (a link file plus its two sentence files).

    The link file (e.g. ``book_zh.book_en.xml``) is a ``<linkGrp fromDoc=...
    toDoc=...>`` of ``<link xtargets="ids;ids"/>``; the sentence files it names
    (looked up beside it) hold ``<s id="1:3">`` elements. Sentence ids become
    0-based positions in each file's document order. Which document is Chinese is
    decided by its text (the one with more CJK characters). The halves of
    ``xtargets`` follow the declared ``fromDoc;toDoc`` order; if some ids of that
    reading are missing from their document while the swapped reading fits both
    documents, the swapped reading is used (tools differ on this order).

    Args:
        path: the link file.
        src_lang: the language of the first side of the returned pairs.

    Returns:
        ``(src, tgt)`` pairs in link order, ``src`` being the ``src_lang`` side.

    Raises:
        InputError: a file is missing or malformed, an id is unknown, or the
            languages of the two documents cannot be told apart.
    """
    path = Path(path)
    root = _parse_xml(path)
    if _local(root.tag) != "linkGrp":
        raise InputError(f"{path}: not an InterText link file (root is <{_local(root.tag)}>)")
    docs = _linked_documents(path, root)
    links = _links(path, root)
    order = (0, 1)
    problem = _unknown_id(links, docs, order)
    if problem is not None:
        if _unknown_id(links, docs, (1, 0)) is not None:
            raise InputError(f"{path}: unknown sentence id {problem}")
        order = (1, 0)
    shares = [_cjk_share(doc[2]) for doc in docs]
    if shares[0] == shares[1]:
        raise InputError(
            f"{path}: cannot tell which of {docs[0][0].name} and {docs[1][0].name} is Chinese"
        )
    zh_doc = 0 if shares[0] > shares[1] else 1
    # Position of each xtargets half that holds the src_lang document.
    src_half = order.index(zh_doc) if src_lang == "zh" else 1 - order.index(zh_doc)
    pairs = []
    for link in links:
        sides = [tuple(docs[doc][1][sid] for sid in half) for half, doc in zip(link, order, strict=True)]
        if sides[0] or sides[1]:
            pairs.append((sides[src_half], sides[1 - src_half]))
    return pairs
