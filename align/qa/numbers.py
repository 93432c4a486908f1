"""Numbers: quantities written in figures on one side with no equal value on the other.

Both sides are read into :class:`Quantity` values: Arabic digits with thousands
separators and decimals, full-width digits, Chinese numerals (二十一, 三千五百,
二〇二二), the magnitudes 十/百/千/萬(万)/億(亿) and thousand/million/billion/
trillion (also m, bn, k), percentages (百分之八十 = 80% = 80 percent), ranges
(``6-6.5 million`` = ``600-650 萬``: each end is a value), money (the currency
sign or word is ignored: ``$2.4 billion`` = ``24億美元``), years and dates
(``2022年11月17日`` = ``November 17, 2022``: month names count as their number).

Only quantities written with digits (or 百分之 percentages) are *reported*;
number words (one, half, doubled, first) and Chinese numerals are only used to
*match* them, because they are often idioms (一些, 十分, 千萬, "one of") and
vary freely in translation. A reported quantity is matched when any of its
readings equals any reading of any quantity on the other side, in the bead or in
the beads just before and after it (sentence boundaries can differ). One finding
per bead lists what is unmatched on each side; severity ``error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Alignment, Finding
from .base import Pair, pairs

NAME = "numbers"

# --- quantities ------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number read from text.

    Attributes:
        value: the main reading (``68 million`` -> 68000000.0).
        text: the characters it was read from.
        start: offset of ``text`` in the sentence.
        reportable: written in figures (worth reporting when unmatched).
        alts: other readings used for matching (a bare range start, 1990 for
            ``90年代``, 21 for ``9 p.m.``).
    """

    value: float
    text: str
    start: int = 0
    reportable: bool = True
    alts: tuple[float, ...] = ()

    @property
    def readings(self) -> tuple[float, ...]:
        return (self.value, *self.alts)


def value_key(v: float) -> float:
    """Values compare equal when they agree to 9 significant digits."""
    return float(f"{v:.9g}")


_NUM = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _num(s: str) -> float:
    return float(s.replace(",", ""))


# --- English ---------------------------------------------------------------------

_EN_MAG = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_EN_MAG_RE = r"(?:(?i:hundred|thousand|million|billion|trillion|mln|mn|bn|tn)|k|m|b)\b"
_EN_NUM_RE = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?P<mag1>{_EN_MAG_RE}))?"
    rf"(?:\s*(?:-|–|—|to)\s*[$€£¥]?(?P<b>{_NUM}))?"
    rf"(?:(?P<suffix>st|nd|rd|th|s)\b)?"
    rf"(?:\s*(?P<mag>{_EN_MAG_RE}))?"
    rf"(?P<pct>\s*(?:%|per\s?cent\b))?"
    rf"(?P<pm>\s*(?i:p\.m\.|pm\b))?")
_EN_DATE_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_EN_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_FOOTNOTE_RE = re.compile(r"\[\d+\]")
# A list or section number opening a sentence ("6. 片厂", "(2) ...").
_LIST_NUMBER_RE = re.compile(r"^\s*[(（]?\d{1,3}[.、)）]\s*(?!\d)")

_UNITS = {w: float(i) for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"])}
_TENS = {w: float(10 * i) for i, w in enumerate(
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)}
_ORDINALS = {w: float(i) for i, w in enumerate([
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth"], start=1)} | {
    "twentieth": 20.0, "thirtieth": 30.0, "hundredth": 100.0}
_SPECIAL = {"half": 0.5, "quarter": 0.25, "dozen": 12.0, "twice": 2.0, "double": 2.0,
            "doubled": 2.0, "doubling": 2.0, "triple": 3.0, "tripled": 3.0, "thrice": 3.0,
            "quadrupled": 4.0, "twofold": 2.0, "threefold": 3.0, "tenfold": 10.0,
            "a": 1.0, "an": 1.0}
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]
# Month names (capitalised only: "may", "march" are words) and their abbreviations.
_MONTHS = ({m: float(i) for i, m in enumerate(_MONTH_NAMES, start=1)}
           | {m[:3]: float(i) for i, m in enumerate(_MONTH_NAMES, start=1)} | {"Sept": 9.0})
_WORD_RE = re.compile(r"[A-Za-z]+")


_MAGNITUDE_WORDS = ("hundred", "thousand", "million", "billion", "trillion")
# A quantity word as a whole run of letters: a text without one has none to read
# (most sentences; this is checked first, in C).
_NUMBER_WORD_RE = re.compile(
    r"(?<![A-Za-z])(?:(?i:{})|{})(?![A-Za-z])".format(
        "|".join(sorted({*_UNITS, *_TENS, *_ORDINALS, *_SPECIAL, *_MAGNITUDE_WORDS} - {"a", "an"}, key=len,
                        reverse=True)),
        "|".join(sorted(_MONTHS, key=len, reverse=True))))


def _en_words(text: str) -> list[Quantity]:
    """Number words, ordinals, fractions of speech and month names (match only)."""
    if not _NUMBER_WORD_RE.search(text):
        return []  # "a" and "an" alone are no quantity
    out: list[Quantity] = []
    total = current = 0.0
    started = -1
    words: list[str] = []

    def flush() -> None:
        nonlocal total, current, started, words
        if started >= 0 and words != ["a"] and words != ["an"]:
            out.append(Quantity(total + current, " ".join(words), started, False))
        total = current = 0.0
        started, words = -1, []

    prev_end = 0
    for m in _WORD_RE.finditer(text):
        w, lw = m.group(), m.group().lower()
        gap = text[prev_end:m.start()]
        if started >= 0 and gap.strip() not in ("", "-", "and"):
            flush()
        prev_end = m.end()
        if w in _MONTHS and (w != "May" or m.start() > 0):
            flush()
            out.append(Quantity(_MONTHS[w], w, m.start(), False))
            continue
        if lw in _ORDINALS or (lw in _SPECIAL and lw not in ("a", "an")):
            flush()
            value = _ORDINALS.get(lw, _SPECIAL.get(lw, 0.0))
            alts = (value * 100,) if value < 1 else ()
            out.append(Quantity(value, w, m.start(), False, alts))
            continue
        if lw in _UNITS or lw in _TENS:
            current += _UNITS.get(lw, _TENS.get(lw, 0.0))
        elif lw in _MAGNITUDE_WORDS:
            scale = _EN_MAG[lw]
            base = current or 1.0
            if scale == 100:
                current = base * 100
            else:
                total += base * scale
                current = 0.0
        elif lw in ("a", "an"):
            flush()
            started, words = m.start(), [lw]
            continue
        elif lw == "and" and started >= 0 and words[-1].lower() in _EN_MAG:
            continue  # one hundred and five
        else:
            flush()
            continue
        if started < 0:
            started = m.start()
        words.append(w)
    flush()
    return out


def _blank_markers(text: str) -> str:
    """Footnote markers and a leading list number replaced by spaces (offsets kept)."""
    text = _FOOTNOTE_RE.sub(lambda m: " " * len(m.group()), text)
    return _LIST_NUMBER_RE.sub(lambda m: " " * len(m.group()), text)


def _en_figure(text: str, m: re.Match[str]) -> list[Quantity]:
    """The quantities of one match of ``_EN_NUM_RE`` in ``text``: a number, or both
    ends of a range, with its magnitude ("5 million", "$5m") and other readings."""
    before = text[max(0, m.start() - 2):m.start()]
    after = text[m.end():m.end() + 1]
    # Codes such as COVID-19, G20, F-16, 3D, 5G are not quantities to report.
    glued = bool(re.search(r"[A-Za-z]-?$", before) or re.match(r"[A-Za-z\d]", after))
    mag = m.group("mag") or m.group("mag1")
    # m, b and k count as magnitudes only glued to the number ($5m, 3b, 10k).
    shown = m.group().rstrip()
    if mag and mag in ("m", "b", "k") and not re.search(r"\d" + mag + r"\b", m.group()):
        mag = None
        shown = m.group()[:m.end("b" if m.group("b") else "a") - m.start()]
    scale = _EN_MAG.get(mag.lower(), 1.0) if mag else 1.0
    own = m.group("mag1") is not None
    pm = 12.0 if m.group("pm") else 0.0
    a = _num(m.group("a"))
    suffix = (m.group("suffix") or "").lower()
    alts: tuple[float, ...] = ()
    if suffix == "s" and a >= 10 and a < 100:  # the '90s
        alts = (1900 + a, 2000 + a)
    if m.group("b") is None:
        value = a * scale
        if pm and value < 12:
            alts += (value + pm,)
        return [Quantity(value, shown, m.start(), not glued, alts + ((a,) if scale != 1 else ()))]
    b = _num(m.group("b"))
    if own:  # "5 million to 6 billion": each end has its own magnitude
        a_val = a * _EN_MAG.get(m.group("mag1").lower(), 1.0)
        b_val = b * (_EN_MAG.get(m.group("mag").lower(), 1.0) if m.group("mag") else 1.0)
        return [Quantity(a_val, shown, m.start(), not glued, (a,)),
                Quantity(b_val, shown, m.start("b"), not glued, (b,))]
    return [Quantity(a * scale, shown, m.start(), not glued, (a,) if scale != 1 else ()),
            Quantity(b * scale, shown, m.start("b"), not glued, (b,) if scale != 1 else ())]


def en_quantities(text: str) -> list[Quantity]:
    """Read the quantities of an English text (see the module docstring).

    Args:
        text: English text.

    Returns:
        The quantities in order of appearance; ``reportable`` ones were written in figures.
    """
    text = _blank_markers(text)
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _EN_DATE_RE.finditer(text):
        out += [Quantity(float(m.group(k)), m.group(k), m.start(k)) for k in (1, 2, 3)]
        taken.append(m.span())
    for m in _EN_TIME_RE.finditer(text):
        h, mi = float(m.group(1)), float(m.group(2))
        out += [Quantity(h, m.group(1), m.start(1), False, (h + 12,)),
                Quantity(mi, m.group(2), m.start(2), False)]
        taken.append(m.span())
    for m in _EN_NUM_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        taken.append(m.span())
        out += _en_figure(text, m)
    # Number words outside the figures ("68 million": "million" is not read twice).
    words_text = list(text)
    for a, b in taken:
        words_text[a:b] = " " * (b - a)
    out += _en_words("".join(words_text))
    return sorted(out, key=lambda q: q.start)


# --- Chinese ---------------------------------------------------------------------

_ZH_FOLD = {0xFF10 + i: 0x30 + i for i in range(10)} | {
    ord("．"): ".", ord("％"): "%", ord("萬"): "万", ord("億"): "亿", ord("兩"): "两",
    ord("○"): "〇", ord("－"): "-", ord("～"): "~", ord("點"): "点", ord("個"): "个"}
_ZH_DIGITS = {c: float(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0.0, "两": 2.0}
_ZH_UNITS = {"十": 10.0, "百": 100.0, "千": 1000.0}
_ZH_BIG = {"万": 1e4, "亿": 1e8}
_ZH_CHARS = "零〇一二两三四五六七八九十百千万亿"
# A number: figures and/or Chinese numerals, e.g. 2,000万, 1.5亿, 三千五百, 3千5百.
_ZH_RUN = rf"(?:{_NUM}|[{_ZH_CHARS}])(?:\s*(?:{_NUM}|[{_ZH_CHARS}]))*"
_ZH_NUM_RE = re.compile(
    rf"(?P<pct_pre>百分之)?(?P<a>{_ZH_RUN})"
    rf"(?:\s*(?:-|–|—|~|至|到)\s*(?:百分之)?(?P<b>{_ZH_RUN}))?(?P<pct>\s*%)?")
_TOKEN_RE = re.compile(rf"{_NUM}|[{_ZH_CHARS}]")


def zh_number(s: str) -> float | None:
    """The value of a Chinese number written with figures and/or numerals.

    ``二十一`` -> 21, ``三千五百`` -> 3500, ``6,800万`` -> 68000000,
    ``1.5亿`` -> 150000000, ``二〇二二`` -> 2022 (digit by digit); None when
    ``s`` holds no number.
    """
    toks = _TOKEN_RE.findall(s)
    if not toks:
        return None
    if len(toks) > 1 and all(t in _ZH_DIGITS for t in toks):
        return float("".join(str(int(_ZH_DIGITS[t])) for t in toks))
    result = wan = section = 0.0
    num: float | None = None
    for t in toks:
        if t in _ZH_DIGITS:
            num = _ZH_DIGITS[t]
        elif t in _ZH_UNITS:
            section += (1.0 if num is None else num) * _ZH_UNITS[t]
            num = None
        elif t == "万":
            wan = (section + (num or 0.0)) * 1e4 or 1e4
            section, num = 0.0, None
        elif t == "亿":
            result = (result + wan + section + (num or 0.0)) * 1e8 or 1e8
            wan = section = 0.0
            num = None
        else:
            num = _num(t)
    return result + wan + section + (num or 0.0)


def _has_figure(s: str) -> bool:
    return any(c.isdigit() for c in s)


def zh_quantities(text: str) -> list[Quantity]:
    """Read the quantities of a Chinese text (Traditional or Simplified).

    Args:
        text: Chinese text; full-width digits are folded first.

    Returns:
        The quantities in order; ``reportable`` ones contain figures, or are
        百分之 percentages.
    """
    original = _blank_markers(text)
    t = original.translate(_ZH_FOLD)  # one character for one: offsets are the same
    out: list[Quantity] = []
    for m in _ZH_NUM_RE.finditer(t):
        a_text, b_text = m.group("a"), m.group("b")
        before, after = t[max(0, m.start() - 2):m.start()], t[m.end():m.end() + 2]
        glued = bool(re.search(r"[A-Za-z]-?$", before) or re.match(r"[A-Za-z]", after))
        time = after[:1] in (":", "：", "点") and not re.match(r"点[\d零〇一二两三四五六七八九]", after)
        percent = bool(m.group("pct_pre") or m.group("pct"))
        if percent and m.group("pct_pre"):
            report = not glued and a_text != "百"
        else:
            report = not glued and _has_figure(m.group())
        alts: tuple[float, ...] = ()
        if after.startswith("年代"):
            alts += tuple(c + _zh_value(a_text) for c in (1900.0, 2000.0))
        if after.startswith("倍"):
            alts += (_zh_value(a_text) + 1,)
        if after[:1] == "半":  # 一个半 = 1.5
            alts += (_zh_value(a_text) + 0.5,)
        if time:
            alts += (_zh_value(a_text) + 12,)
        shown = original[m.start():m.end()].strip()
        ends = [(a_text, m.start("a"))] + ([(b_text, m.start("b"))] if b_text else [])
        big = _trailing_magnitude(b_text) if b_text else 1.0
        for k, (s, start) in enumerate(ends):
            value = _zh_value(s)
            extra = alts if k == len(ends) - 1 else ()
            if k == 0 and b_text and big != 1.0 and _trailing_magnitude(s) == 1.0:
                # 600-650万: the magnitude after the range applies to both ends.
                out.append(Quantity(value * big, shown, start, report, (value,)))
            else:
                out.append(Quantity(value, shown, start, report, extra))
    for m in re.finditer(r"半", t):
        out.append(Quantity(0.5, "半", m.start(), False, (50.0,)))
    return sorted(out, key=lambda q: q.start)


def _zh_value(s: str) -> float:
    v = zh_number(s)
    return 0.0 if v is None else v


def _trailing_magnitude(s: str) -> float:
    """The magnitude written at the end of a number (万 -> 1e4, 百万 -> 1e6), else 1."""
    m = re.search(r"[十百千万亿]+$", s.replace(" ", ""))
    if not m or not re.search(r"\d", s):
        return 1.0
    scale = 1.0
    for c in m.group():
        scale *= {**_ZH_UNITS, **_ZH_BIG}[c]
    return scale


# --- the check -------------------------------------------------------------------


def reading_keys(qs: list[Quantity]) -> set[float]:
    """The :func:`value_key` of every reading of every quantity."""
    return {value_key(v) for q in qs for v in q.readings}


def _unmatched(qs: list[Quantity], other: set[float]) -> list[Quantity]:
    out, seen = [], set()
    for q in qs:
        if q.reportable and not any(value_key(v) in other for v in q.readings) and q.value not in seen:
            seen.add(q.value)
            out.append(q)
    return out


def quantity_text(q: Quantity) -> str:
    """A quantity as a message shows it: its text, and its value when written otherwise."""
    v = f"{q.value:,.6g}" if q.value < 1e6 else f"{q.value:,.0f}"
    text = q.text.strip()
    return text if text.replace(",", "") == v.replace(",", "") else f"{text} (= {v})"


def unmatched(en_text: str, zh_text: str) -> tuple[list[Quantity], list[Quantity]]:
    """The figures of each text with no equal value in the other (English's, Chinese's)."""
    en, zh = en_quantities(en_text), zh_quantities(zh_text)
    return _unmatched(en, reading_keys(zh)), _unmatched(zh, reading_keys(en))


class NumbersCheck:
    """Figures on one side of a bead with no equal value on the other."""

    name = NAME
    description = "numbers written in figures on one side with no equal value on the other"

    def check(self, alignment: Alignment) -> list[Finding]:
        beads = list(pairs(alignment))
        en_q = [[(s, q) for s in p.en for q in en_quantities(s.text)] for p in beads]
        zh_q = [[(s, q) for s in p.zh for q in zh_quantities(s.text)] for p in beads]
        findings = []
        for k, p in enumerate(beads):
            if not en_q[k] and not zh_q[k]:
                continue  # nothing to match (most beads of most texts)
            near = range(max(0, k - 1), min(len(beads), k + 2))
            en_near = reading_keys([q for j in near for _, q in en_q[j]])
            zh_near = reading_keys([q for j in near for _, q in zh_q[j]])
            en_here = reading_keys([q for _, q in en_q[k]])
            zh_here = reading_keys([q for _, q in zh_q[k]])
            # Unmatched in the bead itself, and in the neighbouring beads too.
            only_en = [q for q in _unmatched([q for _, q in en_q[k]], zh_here)
                       if not any(value_key(v) in zh_near for v in q.readings)]
            only_zh = [q for q in _unmatched([q for _, q in zh_q[k]], en_here)
                       if not any(value_key(v) in en_near for v in q.readings)]
            if only_en or only_zh:
                findings.append(self._finding(p, en_q[k], zh_q[k], only_en, only_zh))
        return findings

    @staticmethod
    def _finding(p: Pair, en_q, zh_q, only_en: list[Quantity], only_zh: list[Quantity]) -> Finding:
        parts = []
        if only_en:
            parts.append("only in English: " + ", ".join(quantity_text(q) for q in only_en))
        if only_zh:
            parts.append("only in Chinese: " + ", ".join(quantity_text(q) for q in only_zh))
        en_line = next((s.line for s, q in en_q if only_en and q is only_en[0]), None)
        zh_line = next((s.line for s, q in zh_q if only_zh and q is only_zh[0]), None)
        return p.finding(NAME, "; ".join(parts), "error", en_line=en_line, zh_line=zh_line)
