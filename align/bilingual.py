"""Bilingual files (translation memories (TMX), XLIFF 1.2/2.x, TSV): re-checked or re-aligned.

    >>> from align.bilingual import check_bilingual
    >>> report = check_bilingual("memory.tmx")                 # doctest: +SKIP
    >>> [(f.check, f.unit, f.line) for f in report.findings]   # doctest: +SKIP

The checks (``tm-empty``, ``tm-language``, ``tm-outlier``, ``tm-duplicate``)
and the reading of the units are :mod:`align.qa.tm`'s, named here too.
:func:`realign_units` instead treats the two sides as documents and aligns
them afresh, for memories built with broken segmentation. Nothing here prints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from .errors import InputError
from .models import Alignment
from .qa.tm import (
    BILINGUAL_EXTENSIONS,
    BILINGUAL_FORMATS,
    MIN_LETTERS_FOR_LANGUAGE,
    MIN_MAD,
    MIN_UNITS_FOR_OUTLIERS,
    NEIGHBOURS,
    OUTLIER_Z,
    BilingualReport,
    Unit,
    UnitFinding,
    bilingual_format,
    check_bilingual,
    check_units,
    read_units,
    robust_z,
)

__all__ = [
    "BILINGUAL_EXTENSIONS", "BILINGUAL_FORMATS", "MIN_LETTERS_FOR_LANGUAGE", "MIN_MAD",
    "MIN_UNITS_FOR_OUTLIERS", "NEIGHBOURS", "OUTLIER_Z", "BilingualReport", "Unit", "UnitFinding",
    "bilingual_format", "check_bilingual", "check_units", "read_units", "realign_units", "robust_z",
]

_SPACE_RE = re.compile(r"\s+")


# --- realigning -------------------------------------------------------------------


def realign_units(path: str | os.PathLike[str], *, fmt: str | None = None, encoder=None,
                  checks: Sequence[str] | None = None) -> Alignment:
    """Align the two sides of a bilingual file afresh, ignoring its pairing.

    Each non-empty segment is one paragraph of its side's document (``line``
    is the unit number, ``location`` the unit label); the whole text is aligned
    at sentence level, so a sentence the file split over several units (or
    joined) finds its counterpart again. Gaps are text whose counterpart is
    missing on the other side.
    """
    from .api import align_documents
    from .formats.base import Block, BlockSource
    from .text import build_document

    name = os.fspath(path)
    fmt, units = read_units(name, fmt)
    docs = {}
    for lang in ("en", "zh"):
        blocks = [Block(_SPACE_RE.sub(" ", text).strip(), u.index + 1, u.index + 1, u.label)
                  for u in units
                  for text in ((u.source if u.src_lang == lang else u.target),) if text.strip()]
        if not blocks:
            raise InputError(f"{name}: the {'English' if lang == 'en' else 'Chinese'} side is empty")
        source = BlockSource(blocks, fmt)
        doc = build_document(source.text.split("\n"), lang, path=name, encoding=fmt)
        docs[lang] = source.locate(doc)[0]
    result = align_documents(docs["en"], docs["zh"], encoder=encoder, paragraphs=False,
                             checks=checks)
    result.settings["realign"] = fmt
    return result
