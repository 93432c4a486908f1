"""The exporter base class and the bead view every format renders from.

An exporter subclass fills one hook, :meth:`Exporter.render`, which turns a
:class:`Context` (the alignment, the validated options, a list to collect
warnings in) into text; :meth:`Exporter.write` is written once: it validates the
options, renders everything first and only then writes each file atomically,
so a failure while rendering never touches an existing file.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal

from ..atomic import write_texts
from ..errors import UsageError
from ..models import LANGS, Alignment, Bead, Document, Finding, Gap, Lang, Paragraph, Sentence

Level = Literal["sentence", "paragraph"]
LEVELS: tuple[Level, Level] = ("sentence", "paragraph")

#: ``Document.variant`` -> default BCP 47 tag for the Chinese side.
ZH_TAGS = {"traditional": "zh-TW", "simplified": "zh-CN", "mixed": "zh"}

#: What joins the texts of several units of one bead: English words need a
#: space, Chinese is written without spaces.
JOINERS: dict[Lang, str] = {"en": " ", "zh": ""}

# Tabs and every character ``str.splitlines`` breaks on.
_BREAKS = re.compile("[\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def single_line(text: str) -> str:
    """Replace each run of tabs and line breaks in ``text`` by one space.

    Line-based formats (TSV, Moses, TMX segments) hold one segment per line.
    """
    return _BREAKS.sub(" ", text)


def line_range(first: int | None, last: int | None) -> str:
    """``"12"``, ``"12-13"``, or ``""`` when there is no line."""
    if first is None:
        return ""
    return str(first) if last in (None, first) else f"{first}-{last}"


def language_name(lang: Lang) -> str:
    """``"English"`` or ``"Chinese"``, for messages and reports."""
    return "English" if lang == "en" else "Chinese"


def valid_tag(value: object, option: str) -> str:
    """``value`` if it is a BCP 47-like language tag.

    Args:
        value: the tag given.
        option: its name in the message (``zh_lang`` in the library, ``--zh-lang`` in the CLI).

    Raises:
        UsageError: not a tag.
    """
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        raise UsageError(f"invalid language tag {value!r} for {option} (e.g. 'en', 'zh-TW')")
    return value


def _tag(option: str, value: object) -> str:
    return valid_tag(value, option)


@dataclass(frozen=True)
class Options:
    """The options every format accepts (validated by :meth:`build`).

    Attributes:
        level: which beads to export, ``"sentence"`` or ``"paragraph"``.
        src_lang: the source side: first column, TMX ``srclang``, first indices
            of the ``beads`` format.
        en_lang: the language tag written for English (TMX ``xml:lang``, HTML ``lang``).
        zh_lang: the tag written for Chinese; by default derived from the
            Chinese document's variant (see :data:`ZH_TAGS`).
    """

    level: Level = "sentence"
    src_lang: Lang = "en"
    en_lang: str = "en"
    zh_lang: str = "zh"

    @classmethod
    def build(cls, alignment: Alignment, options: dict[str, object]) -> Options:
        """Validate keyword options and fill in defaults.

        Raises:
            UsageError: an unknown option or an invalid value.
        """
        unknown = sorted(set(options) - {f.name for f in fields(cls)})
        if unknown:
            raise UsageError(f"unknown export option(s) {', '.join(unknown)}; valid options: "
                             f"{', '.join(f.name for f in fields(cls))}")
        level = options.get("level") or "sentence"
        if level not in LEVELS:
            raise UsageError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
        src_lang = options.get("src_lang") or "en"
        if src_lang not in LANGS:
            raise UsageError(f"unknown source language {src_lang!r}: use one of {', '.join(LANGS)}")
        en_lang = _tag("en_lang", options.get("en_lang") or "en")
        zh_default = ZH_TAGS.get(alignment.zh.variant or "", "zh")
        zh_lang = _tag("zh_lang", options.get("zh_lang") or zh_default)
        return cls(level=level, src_lang=src_lang, en_lang=en_lang, zh_lang=zh_lang)

    @property
    def tgt_lang(self) -> Lang:
        """The side that is not the source."""
        return "zh" if self.src_lang == "en" else "en"

    @property
    def order(self) -> tuple[Lang, Lang]:
        """``(src_lang, tgt_lang)``."""
        return self.src_lang, self.tgt_lang

    def tag(self, lang: Lang) -> str:
        """The language tag written for ``lang``."""
        return self.en_lang if lang == "en" else self.zh_lang


@dataclass(frozen=True)
class Side:
    """One language's half of a bead, resolved to text and lines.

    Attributes:
        lang: ``"en"`` or ``"zh"``.
        indices: the bead's unit indices (sentences or paragraphs, per level).
        units: the texts of those units, original characters.
        sentences: the texts of the sentences they contain.
        line: first line, or ``None`` for an empty side; ``end_line`` the last.
    """

    lang: Lang
    indices: tuple[int, ...]
    units: tuple[str, ...]
    sentences: tuple[str, ...]
    line: int | None
    end_line: int | None

    @property
    def text(self) -> str:
        """The units joined (a space between English units, nothing between Chinese ones)."""
        return JOINERS[self.lang].join(self.units)

    @property
    def lines(self) -> str:
        """The line range, e.g. ``"12"`` or ``"12-13"``; ``""`` for an empty side."""
        return line_range(self.line, self.end_line)


@dataclass(frozen=True)
class Row:
    """One bead with both sides resolved; ``index`` is its position in the bead list."""

    index: int
    bead: Bead
    en: Side
    zh: Side

    def side(self, lang: Lang) -> Side:
        """The ``lang`` half."""
        return self.en if lang == "en" else self.zh

    @property
    def is_gap(self) -> bool:
        """True for a 1-0 / 0-1 bead (text on one side only)."""
        return self.bead.is_gap

    def kind(self, order: tuple[Lang, Lang]) -> str:
        """The unit counts in ``order``, e.g. ``"2-1"`` for two source units and one target unit."""
        return "-".join(str(len(self.side(lang).indices)) for lang in order)


def _side(doc: Document, indices: tuple[int, ...], level: Level) -> Side:
    sentences: list[Sentence]
    units: Sequence[Sentence | Paragraph]
    if level == "sentence":
        sentences = [doc.sentences[i] for i in indices]
        units = sentences
    else:
        units = [doc.paragraphs[i] for i in indices]
        sentences = [s for i in indices for s in doc.paragraphs[i].sentences]
    return Side(lang=doc.lang, indices=tuple(indices), units=tuple(u.text for u in units),
                sentences=tuple(s.text for s in sentences),
                line=units[0].line if units else None,
                end_line=max(u.end_line for u in units) if units else None)


@dataclass
class Context:
    """What a format renders: the alignment, validated options, collected warnings."""

    alignment: Alignment
    options: Options
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def rows(self) -> list[Row]:
        """Every bead of the chosen level, in order, null beads included."""
        a, level = self.alignment, self.options.level
        beads = a.sentence_beads if level == "sentence" else a.paragraph_beads
        return [Row(i, b, _side(a.en, b.en, level), _side(a.zh, b.zh, level))
                for i, b in enumerate(beads)]

    @property
    def pairs(self) -> list[Row]:
        """The beads with text on both sides (what parallel-corpus formats contain)."""
        return [r for r in self.rows if not r.is_gap]

    def gap_for(self, row: Row) -> Gap | None:
        """The :class:`Gap` that covers a null bead, preferring one of the same level.

        Sentence beads are matched on sentence indices, paragraph beads on
        paragraph indices; ``None`` for a bead with two sides or no matching gap.
        """
        if not row.is_gap:
            return None
        lang: Lang = "en" if row.bead.en else "zh"
        wanted = set(row.side(lang).indices)
        level = self.options.level
        matches = [g for g in self.alignment.gaps if g.only_in == lang and wanted
                   <= set(g.sentences if level == "sentence" else g.paragraphs)]
        matches.sort(key=lambda g: g.level != level)
        return matches[0] if matches else None

    @cached_property
    def findings(self) -> dict[int, list[Finding]]:
        """Findings by row index.

        ``Finding.bead`` indexes ``alignment.sentence_beads``; at paragraph level
        a finding goes to the paragraph bead holding that sentence bead's first
        paragraph.
        """
        a = self.alignment
        by_row: dict[int, list[Finding]] = {}
        if self.options.level == "sentence":
            for f in a.findings:
                by_row.setdefault(f.bead, []).append(f)
            return by_row
        owner = {(lang, p): i for i, b in enumerate(a.paragraph_beads)
                 for lang in LANGS for p in getattr(b, lang)}
        for f in a.findings:
            if not 0 <= f.bead < len(a.sentence_beads):
                continue
            bead = a.sentence_beads[f.bead]
            lang: Lang = "en" if bead.en else "zh"
            paragraph = a.doc(lang).sentences[getattr(bead, lang)[0]].paragraph
            if (lang, paragraph) in owner:
                by_row.setdefault(owner[(lang, paragraph)], []).append(f)
        return by_row


@dataclass(frozen=True)
class ExportResult:
    """What :meth:`Exporter.write` did.

    Attributes:
        paths: the files written, in order.
        warnings: one sentence per change made to the text to fit the format
            (e.g. characters XML cannot hold); the library never prints them.
        beads: how many beads the files hold (TMX units, TSV rows, Moses
            lines...): one-sided beads count only in formats that hold them.
        level: the level of those beads, ``"sentence"`` or ``"paragraph"``.
    """

    paths: list[str]
    warnings: list[str]
    beads: int = 0
    level: Level = "sentence"


class Exporter(ABC):
    """A file format. Subclasses set :attr:`name` and implement :meth:`render`."""

    #: The format name, a key of ``align.exporters.FORMATS``.
    name: ClassVar[str]
    #: What :meth:`write` appends to the output path, one entry per file written.
    suffixes: ClassVar[tuple[str, ...]] = ("",)
    #: Whether the format holds one-sided beads (text in one language only);
    #: parallel-corpus formats (TMX, TSV, Moses) hold only :attr:`Context.pairs`.
    one_sided: ClassVar[bool] = True

    def write(self, alignment: Alignment, path: str | os.PathLike[str],
              **options: object) -> ExportResult:
        """Render ``alignment`` and write it atomically to ``path``.

        Everything is rendered before the first file is written, so an error
        while rendering leaves existing files untouched.

        Args:
            alignment: the result to export.
            path: the output file; formats with several files add a suffix
                each (see :meth:`render`).
            **options: see :class:`Options`.

        Returns:
            The paths written and the warnings collected.

        Raises:
            UsageError: an invalid option.
            InputError: the file cannot be written.
        """
        context = Context(alignment, Options.build(alignment, dict(options)))
        rendered = self.render(context)
        targets = dict(zip(self.suffixes, self.targets(path), strict=True))
        files = {Path(targets[""]): rendered} if isinstance(rendered, str) else {
            Path(targets[suffix]): text for suffix, text in rendered.items()}
        files = {target: self._encodable(text, context) for target, text in files.items()}
        write_texts(files)  # all files or none
        beads = len(context.rows if self.one_sided else context.pairs)
        return ExportResult([str(t) for t in files], context.warnings, beads, context.options.level)

    def targets(self, path: str | os.PathLike[str]) -> list[str]:
        """The files :meth:`write` writes for ``path``, one per :attr:`suffixes` entry.

        Args:
            path: the output path the user gave.

        Returns:
            ``path`` plus each suffix; a format may override this (Moses treats
            ``path`` as a corpus prefix).
        """
        return [os.fspath(path) + suffix for suffix in self.suffixes]

    @abstractmethod
    def render(self, context: Context) -> str | dict[str, str]:
        """Return the file's text.

        A format written as several files returns ``{suffix: text}`` instead;
        each file goes to the output path plus its suffix.
        """

    @staticmethod
    def _encodable(text: str, context: Context) -> str:
        """Replace lone surrogates, which UTF-8 cannot encode, by U+FFFD."""
        text, count = _SURROGATES.subn("\ufffd", text)
        if count:
            context.warnings.append(f"replaced {count} lone surrogate code point(s), which "
                                    "UTF-8 cannot encode, by U+FFFD")
        return text
