"""The QA check protocol and the view of an aligned bead that checks read.

A check is any object with a ``name``, a ``description`` and
``check(alignment) -> list[Finding]``; :func:`pairs` gives it the aligned
sentence beads (both sides non-empty) with their joined text and lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from ..models import Alignment, Finding, Sentence

Severity = Literal["info", "warning", "error"]
#: Severities from least to most serious (``--fail-on`` compares positions).
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")


@runtime_checkable
class Check(Protocol):
    """One translation-QA check run on an :class:`~align.models.Alignment`."""

    name: str
    description: str

    def check(self, alignment: Alignment) -> list[Finding]:
        """Return the findings, each naming a sentence bead by its index."""
        ...


@dataclass(frozen=True)
class Pair:
    """An aligned sentence bead as checks see it.

    Attributes:
        bead: index into ``alignment.sentence_beads``.
        en, zh: the sentences of each side, in order (never empty).
        en_text, zh_text: their original text joined (English with spaces).
    """

    bead: int
    en: tuple[Sentence, ...]
    zh: tuple[Sentence, ...]

    @property
    def en_text(self) -> str:
        return " ".join(s.text for s in self.en)

    @property
    def zh_text(self) -> str:
        return "".join(s.text for s in self.zh)

    def finding(self, check: str, message: str, severity: Severity = "warning", *,
                en_line: int | None = None, zh_line: int | None = None) -> Finding:
        """A finding on this bead; lines default to the first line of each side."""
        return Finding(check, self.bead, en_line or self.en[0].line, zh_line or self.zh[0].line,
                       message, severity)


def pairs(alignment: Alignment) -> Iterator[Pair]:
    """The sentence beads with text on both sides, in document order."""
    en, zh = alignment.en.sentences, alignment.zh.sentences
    for i, b in enumerate(alignment.sentence_beads):
        if b.en and b.zh:
            yield Pair(i, tuple(en[k] for k in b.en), tuple(zh[k] for k in b.zh))
