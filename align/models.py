"""The data passed between stages, defined once.

``read`` and ``text`` build :class:`Document` objects; ``core`` produces
:class:`Bead` lists; ``gaps`` produces :class:`Gap` lists; everything is
gathered in one :class:`Alignment`, which every exporter reads. The
:class:`Encoder` protocol, which every sentence encoder implements, is here too
(:mod:`align.encoders.base` names it for encoder writers).

Indices are 0-based and global per document (sentence ``i`` of a document is
``doc.sentences[i]``); line numbers are 1-based lines of the source file, as
people see them in an editor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, Lang] = ("en", "zh")
#: Orders in which gaps can be listed: document order, or most certain first.
GAP_ORDERS = ("document", "confidence")


@dataclass(frozen=True)
class Review:
    """A reviewer's decision on a bead, gap or finding (the HTML editor, XLSX).

    Attributes:
        status: ``"edited"`` (a bead the reviewer changed), ``"confirmed"`` or
            ``"dismissed"`` (a gap or finding judged a false alarm).
        comment: the reviewer's note, possibly empty.
    """

    status: Literal["edited", "confirmed", "dismissed"] = "confirmed"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence.

    Attributes:
        text: the original characters, as in the file (whitespace of hard-wrapped
            lines collapsed).
        norm: the form used for matching only (Chinese: OpenCC Traditional to
            Simplified plus full-width/half-width folding; English: ``text``).
        line: 1-based line on which the sentence starts.
        end_line: 1-based line on which it ends.
        index: 0-based index in its document.
        paragraph: 0-based index of its paragraph.
        location: where it is, for inputs without meaningful lines (DOCX, PDF,
            HTML): e.g. ``"p. 3, ¶ 2"``, ``"¶ 14"``, ``"table 1 r2c3"``,
            ``"/html/body/div[2]/p[3]"``; then ``line``/``end_line`` hold a
            running paragraph number. None for text and Markdown.
    """

    text: str
    norm: str
    line: int
    end_line: int
    index: int
    paragraph: int
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph and its sentences.

    ``kind`` is ``"body"`` or a paratext label such as ``"heading"``,
    ``"byline"``, ``"dateline"`` or ``"credit"``. ``location`` as for
    :class:`Sentence`.
    """

    text: str
    norm: str
    line: int
    end_line: int
    index: int
    sentences: tuple[Sentence, ...]
    kind: str = "body"
    location: str | None = None


@dataclass(frozen=True)
class Document:
    """The paragraphs of one language of one input.

    Attributes:
        lang: ``"en"`` or ``"zh"``.
        paragraphs: in document order.
        path: the file it came from, if any.
        encoding: the detected encoding of that file.
        variant: for Chinese, ``"traditional"``, ``"simplified"`` or ``"mixed"``.
        warnings: what reading noticed that the user should know (e.g. lines of
            the other language in this file); the library never prints them.
    """

    lang: Lang
    paragraphs: tuple[Paragraph, ...]
    path: str | None = None
    encoding: str | None = None
    variant: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for p in self.paragraphs for s in p.sentences)

    def __len__(self) -> int:
        return len(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Bead:
    """A group of English units aligned with a group of Chinese units.

    One side may be empty (a 1-0 or 0-1 bead: text with no counterpart).
    ``score`` is the bead's similarity evidence (higher is better).
    """

    en: tuple[int, ...]
    zh: tuple[int, ...]
    score: float = 0.0
    #: Set when a reviewer edited or confirmed the bead; not part of equality.
    review: Review | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        """``"<en count>-<zh count>"``, e.g. ``"1-2"`` or ``"0-1"``."""
        return f"{len(self.en)}-{len(self.zh)}"

    @property
    def is_gap(self) -> bool:
        return not self.en or not self.zh


@dataclass(frozen=True)
class Gap:
    """Text present in only one language.

    Attributes:
        level: ``"paragraph"`` or ``"sentence"``.
        only_in: the language that has the text.
        paragraphs: indices of the paragraph(s) concerned in that language.
        sentences: indices of the sentence(s) concerned in that language.
        line: first line of the text; ``end_line`` its last line.
        text: the original text.
        confidence: probability-like value in [0, 1] that the text really has no
            counterpart (see docs/aligner.md, "Omission detection").
        kind: ``"omission"`` / ``"addition"`` style label or a paratext label.
        location: the human-readable place of its first unit when the input has
            one (DOCX, PDF, HTML; see :class:`Sentence`), else None.
    """

    level: Literal["paragraph", "sentence"]
    only_in: Lang
    paragraphs: tuple[int, ...]
    sentences: tuple[int, ...]
    line: int
    end_line: int
    text: str
    confidence: float
    kind: str = "body"
    location: str | None = None
    #: A reviewer's decision (confirmed or dismissed); not part of equality.
    review: Review | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finding:
    """A QA finding inside an aligned bead (numbers, names, length...)."""

    check: str
    bead: int
    en_line: int | None
    zh_line: int | None
    message: str
    severity: Literal["info", "warning", "error"] = "warning"
    #: A reviewer's decision (confirmed or dismissed); not part of equality.
    review: Review | None = field(default=None, compare=False)
    #: Span findings (``omission``): the side that has the text, its character
    #: offsets ``(start, end)`` in that side's bead text (sentences joined as in
    #: :class:`align.qa.Pair`: English with spaces, Chinese without), the text,
    #: and a confidence in [0, 1]. None for the other checks.
    only_in: Lang | None = None
    span: tuple[int, int] | None = None
    span_text: str | None = None
    confidence: float | None = None


@dataclass
class Alignment:
    """The result of aligning one English and one Chinese document."""

    en: Document
    zh: Document
    paragraph_beads: list[Bead]
    sentence_beads: list[Bead]
    gaps: list[Gap]
    settings: dict = field(default_factory=dict)
    signature: str = ""
    findings: list[Finding] = field(default_factory=list)

    def doc(self, lang: Lang) -> Document:
        return self.en if lang == "en" else self.zh


class Encoder(Protocol):
    """Turns sentences into unit vectors whose dot product is their similarity."""

    @property
    def name(self) -> str:
        """The name the encoder was asked for: a registry key, model name or path."""
        ...

    @property
    def dim(self) -> int:
        """Length of every vector."""
        ...

    def signature(self) -> str:
        """Identify the vectors produced, e.g. ``"use-m3:0.2.1"``.

        Encoders with equal signatures give equal vectors: the embedding cache
        and the signatures of results rely on it.
        """
        ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``.

        Args:
            texts: Sentences, already normalised (Chinese in Simplified script).
            batch_size: Sentences per forward pass.

        Returns:
            float32 array of shape ``(len(texts), dim)``: L2-normalised rows in
            input order; shape ``(0, dim)`` when ``texts`` is empty.
        """
        ...
