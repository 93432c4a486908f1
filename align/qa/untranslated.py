"""Untranslated: English prose left in the Chinese, or Chinese text in the English.

Script shares are weighed by information, not characters: one Han character
counts as :data:`HAN_WEIGHT` Latin letters (an English word of about 5 letters
carries about as much as 1.7 Han characters; MAC-Dev's gold 1-1 beads have
about 1.5 Han characters per English word, see docs/qa.md).

- A Chinese-side sentence is reported when Latin letters make more than
  :data:`SHARE` of its weight, it has at least :data:`MIN_WORDS` Latin words and
  at least two English function words (the, of, and...), which tells prose
  from a list of names or acronyms.
- An English-side sentence is reported when Han characters make more than
  :data:`SHARE` of its weight and it has at least :data:`MIN_HAN` of them.

Every bead is inspected, including those with one side empty (an untranslated
sentence may be left unaligned). Severity ``warning``.
"""

from __future__ import annotations

import re

from ..models import Alignment, Finding, Sentence
from ..script import HAN_RE

NAME = "untranslated"

HAN_WEIGHT = 3.0
SHARE = 0.5
MIN_WORDS = 4
MIN_HAN = 4

_WORD_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_FUNCTION_WORDS = frozenset([
    "the", "of", "and", "to", "a", "an", "in", "is", "was", "were", "are", "be", "been",
    "that", "this", "for", "on", "with", "as", "it", "by", "from", "at", "or", "not", "but",
    "he", "she", "they", "we", "i", "you", "his", "her", "their", "its", "have", "has",
    "had", "will", "would", "can", "there"
])


def latin_share(text: str) -> float:
    """Weight of Latin letters in ``text`` against Han characters, in [0, 1]."""
    latin = sum(len(w) for w in _WORD_RE.findall(text))
    han = HAN_WEIGHT * len(HAN_RE.findall(text))
    return latin / (latin + han) if latin + han else 0.0


def english_prose(text: str) -> bool:
    """True for a Chinese-side sentence that is mostly English prose."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return (len(words) >= MIN_WORDS and sum(w in _FUNCTION_WORDS for w in words) >= 2
            and latin_share(text) > SHARE)


def chinese_text(text: str) -> bool:
    """True for an English-side sentence that is mostly Chinese."""
    return len(HAN_RE.findall(text)) >= MIN_HAN and 1 - latin_share(text) > SHARE


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


class UntranslatedCheck:
    """English prose in the Chinese text, Chinese text in the English."""

    name = NAME
    description = "English prose left in the Chinese, or Chinese text in the English"

    def check(self, alignment: Alignment) -> list[Finding]:
        en, zh = alignment.en.sentences, alignment.zh.sentences
        findings = []
        for i, b in enumerate(alignment.sentence_beads):
            en_line = en[b.en[0]].line if b.en else None
            zh_line = zh[b.zh[0]].line if b.zh else None
            bad_zh: list[Sentence] = [zh[k] for k in b.zh if english_prose(zh[k].text)]
            bad_en: list[Sentence] = [en[k] for k in b.en if chinese_text(en[k].text)]
            for s in bad_zh:
                findings.append(Finding(NAME, i, en_line, s.line,
                                        f"Chinese side is English prose: “{_clip(s.text)}”", "warning"))
            for s in bad_en:
                findings.append(Finding(NAME, i, s.line, zh_line,
                                        f"English side is Chinese text: “{_clip(s.text)}”", "warning"))
        return findings
