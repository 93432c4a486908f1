"""Text processing: Chinese normalisation and variants, paragraphs, sentences, tokens.

Everything here works on strings and line lists; reading files is ``read.py``'s
job. The rules are described in docs/pipeline.md. OpenCC, jieba and sentencex
are loaded lazily, on first use, so importing this module is cheap.
"""

from __future__ import annotations

import bisect
import logging
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError
from .models import Document, Lang, Paragraph, Sentence
from .script import CJKISH_RE, HAN, HAN_RE, glue_lines  # noqa: F401  (text.HAN_RE, text.glue_lines)

if TYPE_CHECKING:
    import opencc

# Full-width ASCII (U+FF01-FF5E) and the ideographic space fold to ASCII.
_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}

# Hard-wrap widths considered (display columns); files whose lines are longer
# have one paragraph per line.
MIN_WRAP_WIDTH = 40
MAX_WRAP_WIDTH = 150
# Longest Chinese line (characters) that may be a heading rather than the
# first part of a wrapped paragraph.
ZH_HEADING_MAX = 20

_ZH_CLOSERS = "」』”’）》〉】〕)\\]"
# A Chinese sentence ends after 。！？… (also ‼ etc.), after !? followed by
# Han text, or after a half-width full stop between Han characters (never in
# 3.5); following stops and closing quotes/brackets stay with the sentence.
_ZH_STOP = (
    f"(?:[。！？…‼⁇⁈⁉]|[!?](?=\\s*[{HAN}{_ZH_CLOSERS}])"
    f"|(?<=[{HAN}])\\.(?=\\s*[{HAN}]))"
)
_ZH_SENTENCE_END_RE = re.compile(f"{_ZH_STOP}(?:{_ZH_STOP}|[!?])*[{_ZH_CLOSERS}]*")
# Line ends that close a sentence (used to decide on joining lines).
_EN_LINE_END_RE = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_ZH_LINE_END_RE = re.compile(f"[。！？!?；;….」』”’\"'][{_ZH_CLOSERS}\"']*$")
_ZH_CLAUSE_PUNCT_RE = re.compile(r"[，,。；;！？!?、]")
# English lines ending like this continue on the next line.
_EN_CONTINUES_RE = re.compile(
    r"(?:[,\-–—(&/]|\b(?:a|an|the|of|to|and|or|but|nor|in|on|at|for|with|by|from|as|"
    r"that|which|who|whose|into|than|its|their|his|her|our|is|are|was|were))$",
    re.IGNORECASE,
)
_LIST_ITEM_RE = re.compile(r"^(?:[-*•·‣–—]\s|\(?\d{1,3}[.)]\s|\(?[a-zA-Z][.)]\s)")
_FIRST_WORD_RE = re.compile(r"[A-Za-z0-9'’.,\-]+|\S")
# Words and numbers (6,800 and 3.5 stay whole).
_WORD_RE = re.compile(r"[a-z0-9]+(?:[.,'’\-][a-z0-9]+)*", re.IGNORECASE)
_ZH_TOKEN_RE = re.compile(f"({_WORD_RE.pattern})|([{HAN}]+)", re.IGNORECASE)

_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
]
_WEEKDAYS = [
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
]
_DATE_WORDS = frozenset([
    *_MONTHS, *_WEEKDAYS, "at", "on", "a.m.", "p.m.", "am", "pm", "gmt", "utc", "bst", "cet",
    "est", "edt", "et", "pst", "pdt", "updated", "published", "posted",
])
_DATE_TOKEN_RE = re.compile(r"[a-z]\.[a-z]\.|[a-z]+", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}:\d{2}")
_ZH_DATE_RE = re.compile(
    r"^[\d０-９]{2,4}\s*年\s*[\d０-９]{1,2}\s*月(?:\s*[\d０-９]{1,2}\s*[日號号])?"
    r"[\s\d０-９:：.()（）星期周週一二三四五六日天上下午晚早時时分]*$"
)
_EN_BYLINE_RE = re.compile(r"^by\s+[A-Z][\w.'’\-]*(?:[\s,]+[\w.'’\-]+){0,7}$", re.IGNORECASE)
_ZH_BYLINE_RE = re.compile(r"^(?:記者|记者|作者|撰文|編譯|编译|文\s*[/:：])")
_EN_CREDIT_RE = re.compile(
    r"\b(?:reporting|writing|editing|edited|compiled|translated|translation)\s+by\b", re.IGNORECASE
)
_ZH_CREDIT_RE = re.compile(r"編輯|编辑|報道|报道|報導|报导|記者|记者|翻譯|翻译|校對|校对")
_BRACKETED_RE = re.compile(r"^[(\[（【].*[)\]）】]$")
_EN_MULTI_SENTENCE_RE = re.compile(r"[.!?][\"'”’)]*\s+[A-Z]")
# Longest sentence (characters) the splitters return. sentencex never splits
# inside quotes, so one unbalanced quote (dialogue in single quotes, with
# apostrophes in he'd and don't) can swallow the rest of a paragraph: a 10 MB
# single line became one 5 MB "sentence". Text without sentence punctuation has
# no boundary at all. Encoders are linear in the text length (USE-M3: 25 s and
# 3.6 GB for a 1 MB sentence), and a bead of megabytes means nothing, so longer
# pieces are cut again by :func:`_capped`.
MAX_SENTENCE = 1000
# Quote-blind English sentence end: .!? (closing quotes/brackets) before a
# space and a capital, digit or opening quote.
_EN_FALLBACK_END_RE = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
# Where an over-long piece without sentence ends may be cut: after a space or
# a clause mark.
_SOFT_BREAKS = frozenset(" \t\n，、,;；:：")


# --- Chinese normalisation and variants -----------------------------------------


@cache
def opencc_converter(config: str) -> opencc.OpenCC:
    """OpenCC's converter for ``config`` (``t2s``, ``s2t``, ``tw2sp`` ...), made once."""
    import opencc

    return opencc.OpenCC(config)


def normalize_zh(s: str) -> str:
    """Return the matching form of Chinese text.

    OpenCC ``t2s`` (Traditional to Simplified), then full-width ASCII
    (U+FF01-FF5E) and the ideographic space folded to ASCII. CJK punctuation
    such as 。「」 is kept. For matching only; output keeps the original text.

    Args:
        s: Chinese text, any variant.

    Returns:
        The normalised text.
    """
    return opencc_converter("t2s").convert(s).translate(_FULLWIDTH)


def zh_variant(text: str) -> str:
    """Tell whether Chinese text is written in Traditional or Simplified characters.

    Characters that OpenCC ``t2s`` changes (taken one by one) are
    Traditional-only, those that ``s2t`` changes Simplified-only; characters common to both count for
    neither. With T and S those counts, the text is ``"traditional"`` when
    T >= 90% of T + S, ``"mixed"`` when T is between 10% and 90%, and
    ``"simplified"`` otherwise, including when there is no evidence (T + S == 0).
    A few stray Simplified characters in a Traditional text (举 in the seed)
    therefore leave it ``"traditional"``.

    Args:
        text: Chinese text.

    Returns:
        ``"traditional"``, ``"simplified"`` or ``"mixed"``.
    """
    counts = Counter(text)
    han = [c for c in counts if HAN_RE.match(c)]
    trad = sum(counts[c] for c in _changed(han, "t2s"))
    simp = sum(counts[c] for c in _changed(han, "s2t"))
    total = trad + simp
    if total == 0 or trad <= 0.1 * total:
        return "simplified"
    return "traditional" if trad >= 0.9 * total else "mixed"


def _changed(chars: list[str], config: str) -> list[str]:
    """The characters that OpenCC ``config`` changes when converted on their own."""
    convert = opencc_converter(config).convert
    converted = convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a conversion crossed a line: go one by one
        converted = [convert(c) for c in chars]
    return [c for c, new in zip(chars, converted, strict=True) if new != c]


# --- paragraphs -----------------------------------------------------------------


class _Block(NamedTuple):
    """A paragraph with the source line of each part of its text."""

    text: str
    starts: tuple[int, ...]  # offset in ``text`` where each source line begins
    lines: tuple[int, ...]  # the 1-based source line numbers of those parts

    def line_at(self, offset: int) -> int:
        return self.lines[bisect.bisect_right(self.starts, offset) - 1]


def _width(s: str) -> int:
    """Display width: East Asian wide and full-width characters count 2."""
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _measured(line: str) -> bool:
    """Whether a line's width is evidence about a hard wrap (single-token lines
    such as URLs are not)."""
    return " " in line or not line.isascii()


def _short(line: str) -> bool:
    """Whether a line may belong to a hard-wrapped paragraph: not wider than
    :data:`MAX_WRAP_WIDTH` (single-token lines always may)."""
    # A character is at least one column wide: skip measuring very long lines.
    return not _measured(line) or (len(line) <= MAX_WRAP_WIDTH and _width(line) <= MAX_WRAP_WIDTH)


def _wrappable(run: list[str]) -> bool:
    """Whether a run of lines may be hard-wrapped: several lines, none wider
    than :data:`MAX_WRAP_WIDTH` (ignoring single-token lines such as URLs)."""
    return len(run) >= 2 and any(_measured(line) for line in run) and all(_short(line) for line in run)


def _wrap_segments(run: list[str]) -> list[int]:
    """Split a run into stretches that may be hard-wrapped, by line.

    A stretch is a maximal sequence of :func:`_short` lines; it counts when it
    is :func:`_wrappable`. A long unwrapped line (one paragraph per line) thus
    ends a stretch instead of making its whole run unwrappable, so the same
    lines join the same way whatever surrounds them in the file.

    Returns:
        Per line, the number of its stretch (from 1), or 0 outside any.
    """
    labels = [0] * len(run)
    start, number = 0, 0
    for end in range(len(run) + 1):
        if end == len(run) or not _short(run[end]):
            if _wrappable(run[start:end]):
                number += 1
                labels[start:end] = [number] * (end - start)
            start = end + 1
    return labels


def _wrap_width(runs: list[list[str]], *, below_wider: bool = False) -> int | None:
    """Estimate the column at which the text was hard-wrapped.

    The lines of ``runs`` are pooled (single-token lines excepted). W is their
    widest line, and the text counts as wrapped when W is at least
    :data:`MIN_WRAP_WIDTH` and at least three lines, and a third of the pool,
    are within ``max(8, W // 8)`` columns of W. (Two similar lines, such as a
    headline and a dateline, are no evidence.) With ``below_wider``, for the
    wrapped stretches inside runs that also hold long lines, W may also be
    a narrower width that passes the same test over the lines not wider than
    it, as long as fewer lines are wider than W than are near it (a credit
    line before a wrapped comment may be wider than the wrap).

    Args:
        runs: wholly wrappable runs (:func:`_wrappable`), or with
            ``below_wider`` the stretches of :func:`_wrap_segments`, as lists
            of stripped lines.

    Returns:
        W, or None when the text does not look hard-wrapped.
    """
    pool = sorted((_width(line) for run in runs for line in run if _measured(line)), reverse=True)
    ascending = pool[::-1]
    for wider, wrap in enumerate(pool if below_wider else pool[:1]):
        if wrap < MIN_WRAP_WIDTH:
            break
        # the lines of pool[wider:] at least that wide (pool[:wider] all are): a
        # search, not a scan, or a book's 40,000 lines take a minute
        near = len(pool) - bisect.bisect_left(ascending, wrap - max(8, wrap // 8)) - wider
        if near >= 3 and 3 * near >= len(pool) - wider and wider < near:
            return wrap
    return None


def _zh_heading_like(line: str) -> bool:
    """Short Chinese line without clause punctuation (容量問題)."""
    return len(line) <= ZH_HEADING_MAX and not _ZH_CLAUSE_PUNCT_RE.search(line)


def _joins(prev: str, nxt: str, lang: str, wrap: int | None, strict: bool = False) -> bool:
    """Whether line ``nxt`` continues the paragraph that line ``prev`` ends.

    Rules (stripped, non-blank lines); a list item (``- ``, ``1. ``, ``(a) ``)
    always starts a paragraph, otherwise ``nxt`` joins when:

    * hard wrap: the lines are in a stretch wrapped at ``wrap`` columns and the
      first word of ``nxt`` would not have fitted on ``prev`` (with ``strict``,
      for a stretch inside a run that also holds long unwrapped lines, not
      after a line wider than ``wrap`` or one that ends a sentence);
    * English: ``prev`` does not end a sentence and either ``nxt`` starts with a
      lower-case letter or ``prev`` ends with a comma, dash, opening bracket or
      a function word (the, of, and...);
    * Chinese: ``prev`` does not end with sentence-final punctuation or a closing
      quote (brackets may follow either) and is not a short heading-like line.
    """
    if _LIST_ITEM_RE.match(nxt):
        return False
    ends = bool((_EN_LINE_END_RE if lang == "en" else _ZH_LINE_END_RE).search(prev))
    # Inside a run that also has long unwrapped lines, a line wider than the
    # wrap was not wrapped there, and a line ending a sentence may end a paragraph.
    if wrap and not (strict and (ends or _width(prev) > wrap)):
        first = _FIRST_WORD_RE.match(nxt)
        if _width(prev) + 1 + _width(first.group() if first else nxt) > wrap:
            return True
    if lang == "en":
        if ends:
            return False
        return nxt[0].islower() or bool(_EN_CONTINUES_RE.search(prev))
    return not _ZH_LINE_END_RE.search(prev) and not _zh_heading_like(prev)


def _invisible(s: str) -> bool:
    """Whether ``s`` shows nothing: only whitespace and format characters
    (Unicode Cf: right-to-left marks, zero-width spaces, BOM, soft hyphen...)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in s)


def _runs(lines: Sequence[str], first_line: int) -> list[list[tuple[int, str]]]:
    """Group consecutive non-blank lines as (line number, stripped line) runs.

    A line of only invisible characters (:func:`_invisible`) counts as blank.
    """
    runs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=first_line):
        stripped = line.strip()
        if stripped and not _invisible(stripped):
            current.append((number, stripped))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _make_block(parts: list[tuple[int, str]], lang: str) -> _Block:
    """Join stripped lines into one paragraph, remembering where each begins."""
    pieces = [parts[0][1]]
    starts = [0]
    length = len(pieces[0])
    for _, line in parts[1:]:
        glue = glue_lines(pieces[-1], line, lang)
        pieces += [glue, line]
        starts.append(length + len(glue))
        length = starts[-1] + len(line)
    return _Block("".join(pieces), tuple(starts), tuple(number for number, _ in parts))


def _stretches(run: list[str], labels: list[int]) -> list[list[str]]:
    """The lines of each stretch of ``run`` (:func:`_wrap_segments` labels; 0 is none)."""
    out: dict[int, list[str]] = {}
    for line, label in zip(run, labels, strict=True):
        if label:
            out.setdefault(label, []).append(line)
    return list(out.values())


def _blocks(lines: Sequence[str], lang: str, first_line: int) -> list[_Block]:
    """Paragraphs: blank lines separate them; lines inside a run join by :func:`_joins`."""
    runs = _runs(lines, first_line)
    texts = [[line for _, line in run] for run in runs]
    labels = [_wrap_segments(run_text) for run_text in texts]
    wholes = [run_labels[0] != 0 and len(set(run_labels)) == 1 for run_labels in labels]
    # Wholly wrappable runs keep their own estimate; stretches inside runs with
    # long lines get theirs (and join strictly, see _joins).
    wrap = _wrap_width([run_text for run_text, whole in zip(texts, wholes, strict=True) if whole])
    part_wrap = _wrap_width([stretch for run_text, run_labels, whole in zip(texts, labels, wholes, strict=True)
                             if not whole for stretch in _stretches(run_text, run_labels)], below_wider=True)
    blocks: list[_Block] = []
    for run, run_labels, whole in zip(runs, labels, wholes, strict=True):
        parts = [run[0]]
        for k, (number, line) in enumerate(run[1:], start=1):
            in_stretch = run_labels[k] and run_labels[k] == run_labels[k - 1]
            width = (wrap if whole else part_wrap) if in_stretch else None
            if _joins(parts[-1][1], line, lang, width, strict=not whole):
                parts.append((number, line))
            else:
                blocks.append(_make_block(parts, lang))
                parts = [(number, line)]
        blocks.append(_make_block(parts, lang))
    return blocks


def split_paragraphs(lines: list[str], lang: str, first_line: int = 1) -> list[tuple[str, int, int]]:
    """Split lines into paragraphs, rejoining hard-wrapped lines.

    Blank lines always separate paragraphs; otherwise each line is a paragraph
    unless it continues the previous one (see docs/pipeline.md for the rules).

    Args:
        lines: the lines of the text, without line ends.
        lang: ``"en"`` or ``"zh"``.
        first_line: the 1-based file line of ``lines[0]``.

    Returns:
        ``(text, first line, last line)`` per paragraph, in order.
    """
    return [(b.text, b.lines[0], b.lines[-1]) for b in _blocks(lines, lang, first_line)]


def paragraph_kind(text: str, lang: str) -> str:
    """Label a paragraph as paratext or body.

    English: ``"credit"`` for ``(Additional reporting by ...)``, ``"byline"``
    for ``By Name``, ``"dateline"`` for a date/time line, ``"heading"`` for a
    short line (at most 12 words) that starts with a capital or digit and does
    not end with punctuation. Chinese: the same ideas with 編輯/記者 credits,
    記者/作者 bylines, ``2022年11月17日`` datelines and headings of at most
    :data:`ZH_HEADING_MAX` characters without clause punctuation (容量問題).

    Args:
        text: the paragraph text.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        ``"heading"``, ``"byline"``, ``"dateline"``, ``"credit"`` or ``"body"``.
    """
    if len(text) > 300:
        return "body"
    bracketed = bool(_BRACKETED_RE.match(text))
    if lang == "zh" and HAN_RE.search(text):
        if bracketed and _ZH_CREDIT_RE.search(text):
            return "credit"
        if len(text) <= 30 and _ZH_BYLINE_RE.match(text):
            return "byline"
        if _ZH_DATE_RE.match(text) or _is_en_dateline(text):
            return "dateline"
        return "heading" if _zh_heading_like(text) and not _ZH_LINE_END_RE.search(text) else "body"
    if _EN_CREDIT_RE.search(text) and (bracketed or _EN_CREDIT_RE.match(text)):
        return "credit"
    if len(text) <= 60 and _EN_BYLINE_RE.match(text) and not text.endswith("."):
        return "byline"
    if _is_en_dateline(text):
        return "dateline"
    words = text.split()
    if (len(words) <= 12 and (text[0].isupper() or text[0].isdigit())
            and not re.search(r"[.!?;:,…]$", text) and not _EN_MULTI_SENTENCE_RE.search(text)):
        return "heading"
    return "body"


def _is_en_dateline(text: str) -> bool:
    """A short line made of date/time words and numbers, naming a month or day."""
    if len(text) > 80 or not any(c.isdigit() for c in text):
        return False
    words = [w.lower() for w in _DATE_TOKEN_RE.findall(text)]
    if not all(w in _DATE_WORDS for w in words):
        return False
    return any(w in _MONTHS or w in _WEEKDAYS for w in words) or bool(_NUMERIC_DATE_RE.search(text))


# --- sentences ------------------------------------------------------------------


_NUMBER_ONLY_RE = re.compile(r"[(（]?\d+(?:\.\d+)*[.)）、]?")


#: English words before which a clause starts (:func:`clause_spans`).
EN_CLAUSE_WORDS = ("and", "but", "or", "while", "whereas", "although", "though", "because",
                   "which", "who", "whom", "whose", "where", "when", "after", "before", "since",
                   "unless", "until", "if", "so", "yet", "as", "that", "including", "amid", "with")
_CLAUSE_BREAK_RE = {
    # commas, semicolons and colons (not between digits: 6,800, 9:10), spaced dashes,
    # sentence ends, and before a conjunction or relative
    "en": re.compile(r"(?:(?<!\d)[,;:]|[,;:](?!\d))\s*|\s+[-–—]+\s+|[.!?][\"'”’)]*\s+|\s+(?=(?:"
                     + "|".join(EN_CLAUSE_WORDS) + r")\b)", re.IGNORECASE),
    "zh": re.compile(r"[，,；;：:、。！？!?]+[」』”’）)]*\s*|\s+[-–—]\s+"),
}


def clause_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the clauses of ``text``, each with the break that ends it.

    Chinese clauses end at ，；：、 (and , ; :) and sentence ends; English ones at
    commas, semicolons and colons (not between digits), spaced dashes and
    sentence ends, and before a conjunction or relative (:data:`EN_CLAUSE_WORDS`).
    Blank pieces are left out.
    """
    out, start = [], 0
    for m in _CLAUSE_BREAK_RE[lang].finditer(text):
        if m.end() > start and m.start() > start:
            out.append((start, m.end()))
            start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def clause_runs(text: str, lang: str, longest: int = 3) -> list[str]:
    """Every run of 1 to ``longest`` consecutive clauses of ``text`` (:func:`clause_spans`)
    but the whole text, stripped: the parts a shorter translation may render."""
    spans = clause_spans(text, lang)
    runs = (text[spans[i][0]:spans[j - 1][1]].strip()
            for i in range(len(spans)) for j in range(i + 1, min(len(spans), i + longest) + 1)
            if (i, j) != (0, len(spans)))
    return [run for run in runs if run]


def split_sentences(text: str, lang: str) -> list[str]:
    """Split a paragraph into sentences.

    Chinese: after 。！？… (and half-width !? before Han text), keeping the
    closing quotes and brackets with the sentence they close; decimals (3.5)
    and grouped numbers (6,800) are never split. English: ``sentencex``, then a
    post-pass that rejoins a piece starting with a lower-case letter to the
    previous piece when that ends with a full stop (an abbreviation such as
    ``bn.``), and a piece that follows the previous one with no space between
    (``./configure``, ``README.Debian``, ``(See file(1).)``). A semicolon ends
    no sentence in either language (； joins clauses as ";" does). In both, a
    section or list number alone ("1.4.5.", "3)") is never a sentence: it
    stays with the text it numbers. Linear time in both languages.

    Args:
        text: one paragraph.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        Sentences, stripped, such that ``"".join(pieces)`` equals ``text`` up
        to the whitespace between pieces.
    """
    return [text[a:b] for a, b in _sentence_spans(text, lang)]


#: Closing marks followed by a space: what ends a sentence before the next one.
_EN_CLOSERS_RE = re.compile(r"[)\]}\"'”’]+(\s+)")


def _sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of the sentences of ``text``, whitespace stripped."""
    cuts: list[int] = []
    if lang == "zh":  # no semicolon ends one, so neither does that of "&amp;" or "&#39;"
        cuts = [m.end() for m in _ZH_SENTENCE_END_RE.finditer(text)]
    else:
        from sentencex import segment  # type: ignore[import-untyped]

        position = 0
        for piece in segment("en", text):
            position += len(piece)
            cuts.append(position)
        if position != len(text):  # sentencex changed the text: keep it whole
            cuts = []
    spans: list[tuple[int, int]] = []
    start = 0
    pending: int | None = None  # start of invisible text before the first sentence
    for end in [*cuts, len(text)]:
        span = _strip_span(text, start, end)
        start = end
        if span is None:
            continue
        if _invisible(text[span[0]:span[1]]):  # a lone mark (RLM, ZWSP...) is no sentence
            if spans:
                spans[-1] = (spans[-1][0], span[1])
            else:
                pending = span[0] if pending is None else pending
            continue
        if pending is not None:
            span, pending = (pending, span[1]), None
        if lang == "en" and spans and span[0] == spans[-1][1]:
            # no space between the pieces: sentencex cut inside a token (./configure,
            # README.Debian) or before closing marks ("(See file(1).) Next"); the
            # marks go with the sentence they close, the rest stays one token
            closed = _EN_CLOSERS_RE.match(text, span[0], span[1])
            rest = _strip_span(text, closed.end(), span[1]) if closed else None
            if closed and rest is not None:
                spans[-1] = (spans[-1][0], closed.end() - len(closed.group(1)))
                spans.append(rest)
            else:
                spans[-1] = (spans[-1][0], span[1])
        elif (lang == "en" and spans and text[span[0]].islower()
                and text[spans[-1][1] - 1] == "."):
            spans[-1] = (spans[-1][0], span[1])
        elif spans and _NUMBER_ONLY_RE.fullmatch(text, *spans[-1]):  # "1.4.5." numbers what follows
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    if any(b - a > MAX_SENTENCE for a, b in spans):
        spans = [piece for a, b in spans for piece in _capped(text, a, b, lang)]
    return spans


def _capped(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    """Cut the span ``text[start:end]`` into pieces of at most :data:`MAX_SENTENCE`.

    English is cut first at quote-blind sentence ends (:data:`_EN_FALLBACK_END_RE`);
    a piece still too long is cut after the last space or clause mark in the
    second half of the window, else at the limit. Linear in the span length.
    """
    if end - start <= MAX_SENTENCE:
        return [(start, end)]
    cuts = [m.end() for m in _EN_FALLBACK_END_RE.finditer(text, start, end)] if lang == "en" else []
    pieces: list[tuple[int, int]] = []
    a = start
    for b in [*cuts, end]:
        while b - a > MAX_SENTENCE:
            cut = a + MAX_SENTENCE
            for k in range(cut, a + MAX_SENTENCE // 2, -1):
                if text[k - 1] in _SOFT_BREAKS:
                    cut = k
                    break
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
        a = b
    return [span for a, b in pieces if (span := _strip_span(text, a, b)) is not None]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without leading/trailing whitespace, or None if blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


# --- tokens ---------------------------------------------------------------------


@cache
def _jieba() -> object:
    """The jieba tokenizer, its dictionary loaded once, silently.

    jieba keeps its prefix dictionary in ``jieba.cache`` in the system temp
    folder by default: a file shared by every user, which another user's copy
    makes unwritable (then jieba logs a traceback on every run and leaves a 9 MB
    temporary file). Ours lives in ``<align cache folder>/jieba``; when that
    folder cannot be made, the dictionary is built in memory and nothing is
    written. jieba's logger is silenced (the library never prints).
    """
    import jieba  # type: ignore[import-untyped]

    from .dirs import default_cache_dir

    jieba.setLogLevel(logging.CRITICAL + 1)
    folder = default_cache_dir() / "jieba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = folder / "unusable"  # mkstemp fails there: nothing written anywhere
    jieba.dt.tmp_dir = str(folder)
    jieba.dt.initialize()
    return jieba.dt


def tokens(s: str, lang: str) -> list[str]:
    """Split text into word tokens for lexical matching.

    English: lower-cased words and numbers (``6,800`` and ``3.5`` stay whole).
    Chinese: the text is normalised (:func:`normalize_zh`), Latin words and
    numbers are taken as above and Han runs are segmented by jieba;
    punctuation and whitespace are dropped.

    Args:
        s: the text.
        lang: ``"en"`` or ``"zh"``.

    Returns:
        The tokens in order.
    """
    if lang != "zh":
        return [w.lower() for w in _WORD_RE.findall(s)]
    return list(_zh_tokens(s))


@lru_cache(maxsize=1 << 16)
def _zh_tokens(s: str) -> tuple[str, ...]:
    """:func:`tokens` of a Chinese text, kept: the gloss view, the lexical bags
    and the QA checks all tokenise the same sentences.

    The tokens are interned, so the cache holds each word once, not once per
    sentence (12,168 distinct sentences: 16.8 -> 5.0 MB).
    """
    cut = _jieba().lcut  # type: ignore[attr-defined]
    out: list[str] = []
    for m in _ZH_TOKEN_RE.finditer(normalize_zh(s)):
        if m.group(1):
            out.append(m.group(1).lower())
        else:
            out.extend(cut(m.group(2)))
    return tuple(map(sys.intern, out))


# --- documents ------------------------------------------------------------------


def build_document(
    lines: list[str],
    lang: str,
    *,
    path: str | None = None,
    encoding: str | None = None,
    first_line: int = 1,
    presplit: bool = False,
) -> Document:
    """Build the paragraphs and sentences of one language.

    Args:
        lines: the lines of the text, without line ends; blank lines separate
            paragraphs (lines of another language may be blanked out).
        lang: ``"en"`` or ``"zh"``.
        path: the source file, if any.
        encoding: its encoding.
        first_line: the 1-based file line of ``lines[0]``.
        presplit: each non-blank line is exactly one sentence (no splitting or
            joining); blank lines separate paragraphs.

    Returns:
        The document; sentence and paragraph indices are 0-based and global.

    Raises:
        InputError: there is no text.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    if presplit:
        blocks = [_make_block(run, lang) for run in _runs(lines, first_line)]
    else:
        blocks = _blocks(lines, lang, first_line)
    if not blocks:
        name = "English" if lang == "en" else "Chinese"
        raise InputError(f"{path or 'the ' + name + ' text'} has no {name} text; give a non-empty text")
    paragraphs: list[Paragraph] = []
    count = 0
    for p_index, block in enumerate(blocks):
        paragraphs.append(_paragraph(block, lang, p_index, count, presplit))
        count += len(paragraphs[-1].sentences)
    lang_: Lang = "en" if lang == "en" else "zh"
    return Document(
        lang=lang_, paragraphs=tuple(paragraphs), path=path, encoding=encoding,
        variant=zh_variant("\n".join(lines)) if lang == "zh" else None,
    )


# --------------------------------------------------------------------------- quotations

# Chinese quotation marks are unambiguous. Double marks (“” and 「」) are the
# outer level: an opening one starts a quotation whatever came before (a
# quotation running over several sentences is often reopened without being
# closed), a closing one ends it; single marks (‘’ and 『』) nest inside.
_ZH_OUTER_OPEN, _ZH_OUTER_CLOSE = "“「", "”」"
_ZH_INNER_OPEN, _ZH_INNER_CLOSE = "‘『", "’』"
# English ' and ’ are also apostrophes: a mark opens when it starts a word and
# closes when it ends one after punctuation (or after a word, when this
# sentence opened the quotation): "'Why fight a dummy!' he cried."
def _paragraph(block: _Block, lang: str, p_index: int, first: int, presplit: bool) -> Paragraph:
    """Paragraph ``p_index`` of a document, made of ``block``; its sentences are
    numbered from ``first`` (presplit: one sentence per line of the block)."""
    norm = normalize_zh if lang == "zh" else str
    if presplit:
        ends = [*block.starts[1:], len(block.text)]
        spans = [_strip_span(block.text, a, b) or (a, b) for a, b in zip(block.starts, ends, strict=True)]
    else:
        spans = _sentence_spans(block.text, lang)
    block_norm = norm(block.text)
    # t2s nearly always keeps the length; then sentence norms are slices.
    aligned = len(block_norm) == len(block.text)
    sentences = []
    for index, (start, end) in enumerate(spans, start=first):
        text = block.text[start:end]
        sentence_norm = block_norm[start:end] if aligned else norm(text)
        sentences.append(Sentence(
            # One string when the forms agree (all English): a book's worth less memory.
            text=text, norm=text if sentence_norm == text else sentence_norm,
            line=block.line_at(start),
            end_line=block.line_at(end - 1), index=index, paragraph=p_index,
        ))
    return Paragraph(
        text=block.text, norm=block_norm, line=block.lines[0],
        end_line=block.lines[-1], index=p_index, sentences=tuple(sentences),
        kind=paragraph_kind(block.text, lang),
    )


_EN_QUOTE_BEFORE_OPEN = "([{—–-“\""
_EN_QUOTE_AFTER_CLOSE = ".,!?;:)]}—–-…\"”"
_EN_QUOTE_CLOSE_AFTER = ".,!?;:—–-…"


def _zh_quote_step(text: str, depth: int) -> int:
    for c in text:
        if c in _ZH_OUTER_OPEN:
            depth = 1
        elif c in _ZH_OUTER_CLOSE:
            depth = 0
        elif c in _ZH_INNER_OPEN:
            depth = min(depth + 1, 2)
        elif c in _ZH_INNER_CLOSE:
            depth = max(depth - 1, 0)
        elif c == '"':  # no direction: a toggle
            depth = 0 if depth else 1
    return depth


def _en_quote_step(text: str, open_marks: str) -> str:
    """The open quotations after ``text``, innermost last: ``"'"`` for single
    marks, ``'"'`` for double ones (British '...' outside "...", or American
    "..." outside '...')."""
    fresh = 0  # how many of the innermost quotations opened in this text

    def close(kind: str) -> None:
        nonlocal open_marks, fresh
        at = open_marks.rindex(kind)
        fresh = max(0, fresh - (len(open_marks) - at))
        open_marks = open_marks[:at]

    def push(kind: str) -> None:
        # English does not nest a quotation in one of the same kind: an open
        # one was left unclosed (a quotation going on in a new paragraph, or
        # a mark misread), so the new one replaces it.
        nonlocal open_marks, fresh
        if kind in open_marks:
            close(kind)
        open_marks += kind
        fresh += 1

    n = len(text)
    for k, c in enumerate(text):
        if c not in "\"'“”‘’":
            continue
        kind = '"' if c in '"“”' else "'"
        if c in "“‘":
            push(kind)
        elif c == "”":
            if kind in open_marks:
                close(kind)
        else:  # " ' ’: the direction comes from the neighbours
            prev = text[k - 1] if k else " "
            nxt = text[k + 1] if k + 1 < n else " "
            starts = prev.isspace() or prev in _EN_QUOTE_BEFORE_OPEN
            ends = nxt.isspace() or nxt in _EN_QUOTE_AFTER_CLOSE
            if starts and not nxt.isspace():
                push(kind)
            elif ends and not prev.isspace():
                if kind in open_marks and (kind == '"' or prev in _EN_QUOTE_CLOSE_AFTER
                                           or open_marks.rindex(kind) >= len(open_marks) - fresh):
                    close(kind)
            elif c == '"':  # inside a word ("okay"s): a toggle
                if kind in open_marks:
                    close(kind)
                else:
                    push(kind)
    return open_marks


def quote_states(doc: Document) -> list[bool]:
    """Whether a quotation is still open at the end of each sentence.

    Read from the quotation marks of each sentence (``norm`` for Chinese,
    ``text`` for English) and those before it in its paragraph: every
    paragraph starts outside. A sentence boundary inside an English quotation
    ("'Well? / Had enough?'") nearly always falls inside a quotation in the
    Chinese too, which makes this a cue for where beads may end (see
    :class:`align.core.Scorer`).

    Args:
        doc: the document.

    Returns:
        One boolean per sentence of ``doc``.
    """
    out: list[bool] = []
    for paragraph in doc.paragraphs:
        depth, open_marks = 0, ""
        for s in paragraph.sentences:
            if doc.lang == "zh":
                depth = _zh_quote_step(s.norm, depth)
                out.append(depth > 0)
            else:
                open_marks = _en_quote_step(s.text, open_marks)
                out.append(bool(open_marks))
    return out
