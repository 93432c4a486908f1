"""Names: Latin-script names and acronyms on the Chinese side missing from the English.

A Chinese translation keeps many names in Latin script (Tokayev, CPC, BTC,
TotalEnergies, Kassym-Jomart). Each such word must appear in the English
partner, compared case-insensitively on letters and digits only, so hyphen and
space variants match (Kassym-Jomart = Kassym Jomart, KazMunayGaz =
KazMunay Gaz). An all-capitals acronym also matches the initials of a run of
capitalised English words (CPC = Caspian Pipeline Consortium). Words also found
in the English of the neighbouring beads are not reported (sentence boundaries
can differ), nor single letters, common abbreviations that English spells out
(GDP, CEO, km) or sentences that are English prose (the ``untranslated`` check
reports those). Severity ``warning``.

Names the Chinese writes in characters are not checked: their pinyin
(pypinyin) matched the English in too few cases to be reliable, see docs/qa.md.
"""

from __future__ import annotations

import re

from ..models import Alignment, Finding
from .base import pairs
from .untranslated import english_prose

NAME = "names"

_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’.&][A-Za-z0-9]+)*")
#: Latin abbreviations Chinese text uses where English usually writes words.
ABBREVIATIONS = frozenset([
    "gdp", "gnp", "cpi", "ppi", "ceo", "cfo", "coo", "cto", "ai", "it", "app", "tv", "dna",
    "rna", "pm", "ok", "vs", "etc", "mr", "mrs", "ms", "dr", "no", "km", "kg", "cm", "mm",
    "ml", "kw", "mw", "gw", "kwh", "hz", "ghz", "mb", "gb", "tb", "usb", "wifi", "vip",
    "diy"
])
_CAPITAL_RUN_STOP = frozenset({"of", "and", "the", "for", "de", "du", "la", "le", "&"})


def _key(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _initials(text: str) -> set[str]:
    """Initials of every run of capitalised words (``Caspian Pipeline Consortium`` -> cpc)."""
    out: set[str] = set()
    run: list[str] = []
    for w in [*re.findall(r"[A-Za-z][\w'’\-]*", text), ""]:
        if w[:1].isupper():
            run.append(w[0].lower())
        elif w.lower() in _CAPITAL_RUN_STOP and run:
            continue
        else:
            out |= {"".join(run[i:j]) for i in range(len(run)) for j in range(i + 2, len(run) + 1)}
            run = []
    return out


def latin_names(zh_text: str) -> list[str]:
    """The Latin-script words of a Chinese text worth checking, in order, once each."""
    seen: dict[str, str] = {}
    for m in _LATIN_WORD_RE.finditer(zh_text):
        word = m.group().strip(".'’-&")
        k = _key(word)
        if len(k) < 2 or k in ABBREVIATIONS or k.isdigit():
            continue
        seen.setdefault(k, word)
    return list(seen.values())


def missing_names(zh_text: str, en_text: str) -> list[str]:
    """The Latin-script words of ``zh_text`` that ``en_text`` does not contain."""
    en_key = _key(en_text)
    initials: set[str] | None = None
    out = []
    for word in latin_names(zh_text):
        k = _key(word)
        if k in en_key:
            continue
        if word.isupper() and 2 <= len(k) <= 6:
            initials = _initials(en_text) if initials is None else initials
            if k in initials:
                continue
        out.append(word)
    return out


class NamesCheck:
    """Latin-script names and acronyms of the Chinese side missing from the English."""

    name = NAME
    description = "Latin-script names and acronyms in the Chinese missing from the English"

    def check(self, alignment: Alignment) -> list[Finding]:
        beads = list(pairs(alignment))
        findings = []
        for k, p in enumerate(beads):
            missing: list[tuple[int, str]] = []
            near = " ".join(beads[j].en_text for j in (k - 1, k + 1) if 0 <= j < len(beads))
            for s in p.zh:
                if english_prose(s.text):
                    continue
                missing += [(s.line, w) for w in missing_names(s.text, p.en_text)
                            if missing_names(w, near)]
            if missing:
                words = ", ".join(dict.fromkeys(w for _, w in missing))
                findings.append(p.finding(NAME, f"not in the English: {words}", "warning",
                                          zh_line=missing[0][0]))
        return findings
