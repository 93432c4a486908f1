"""Decoding input files and telling their language: encodings, line ends, scripts.

The lowest module of reading: :mod:`align.formats` (HTML and Markdown are
decoded like text files) and :mod:`align.read` (which builds the documents)
both use it. The rules are described in docs/pipeline.md.
"""

from __future__ import annotations

import codecs
import os
import re
from functools import lru_cache
from pathlib import Path

from .errors import InputError
from .script import HAN_RE

_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
# A line or text is Chinese when Han characters are at least this share of its
# letters (Han + Latin): 阿拉木圖(路透社)- 毫無疑問,Kassym-Jomart has 11 Han
# characters for 12 Latin letters; an English line quoting a Chinese word has
# far fewer.
ZH_SHARE = 0.3
# The other language's share of a file's lettered lines (a "Chinese" line in an
# English file, or the reverse) above which reading warns, and above which it
# refuses the file. Measured (docs/pipeline.md, "Both languages on one side"):
# the clean files of MAC-Dev and the seeds have none; every such line makes one
# false gap, and at about a quarter of the lines the gaps reported double.
WARN_SHARE = 0.05
ERROR_SHARE = 0.25
# A Big5/GB18030 decoding is accepted when at least this share of its
# non-ASCII characters are common Chinese characters or punctuation.
MIN_PLAUSIBLE = 0.5
# Largest input file read (bytes). A 10 MB text takes minutes to align; this
# bound only stops a device such as /dev/zero, or a wrong file, from filling
# the memory.
MAX_INPUT_BYTES = 256 << 20

# UTF-16 without a BOM (found by its NULs: ASCII has one per character, and
# so do Chinese characters such as 一 U+4E00 on the other byte) is accepted
# when the decoded text is at least this share plausible characters
# (:func:`_plausible_share`). A byte-order mark is evidence enough.
MIN_PLAUSIBLE_UTF16 = 0.9
# A UTF-8 text may hold at most this share of stray NULs (dropped on reading).
MAX_STRAY_NULS = 0.01

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab and line/page breaks: in text decoded as
# UTF-16/32 they reveal binary data.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_COMMON_PUNCT = "，。、；：？！「」『』（）《》〈〉【】“”‘’…—·　" + "".join(
    chr(c) for c in range(0xFF01, 0xFF5F)
)


def read_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Read a text file and detect its encoding.

    UTF-8/UTF-16/UTF-32 with a byte-order mark, UTF-16 without one (found by
    the pattern of NUL bytes), UTF-8, then Big5 or GB18030, whichever decodes
    strictly and reads as more plausible Chinese (the share of common
    characters: GB2312 level 1, Big5 level 1 and Chinese punctuation).
    CRLF and lone CR line ends become ``\\n``.

    Args:
        path: the file.

    Returns:
        ``(text, encoding)``, the encoding as a Python codec name
        (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"utf-16-le"``,
        ``"big5"``, ``"gb18030"``...).

    Raises:
        InputError: the file is missing, a directory, unreadable, not text,
            in another encoding, empty, or larger than :data:`MAX_INPUT_BYTES`.
    """
    name = os.fspath(path)
    file = Path(name)
    if file.is_dir():
        raise InputError(f"{name} is a directory; give a text file")
    try:
        with file.open("rb") as handle:  # bounded: /dev/zero must not fill the memory
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}; check the file's permissions") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name} is larger than {MAX_INPUT_BYTES >> 20} MiB (or a device that never "
                         "ends); split it into smaller documents")
    text, encoding = _decode(data, name)
    # A byte-order mark inside the text (files concatenated) is never content.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not text.strip():
        raise InputError(f"{name} is empty; give a file with English or Chinese text")
    return text, encoding


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode file bytes, trying the encodings in the order of :func:`read_file`."""
    not_text = InputError(
        f"{name} is not a text file (binary data); give a plain-text file in UTF-8, "
        "UTF-16, Big5 or GB18030"
    )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise not_text from None
            # Strict UTF-8 is evidence enough (controls pass, as without a BOM);
            # UTF-16/32 decode almost any bytes, so controls reveal binary data.
            if encoding != "utf-8-sig" and _CONTROL_RE.search(text):
                raise not_text
            return text, encoding
    if b"\x00" in data:
        return _decode_with_nuls(data, name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode_chinese(data, name)


def _decode_with_nuls(data: bytes, name: str) -> tuple[str, str]:
    """Bytes holding NULs: UTF-16 without a BOM on evidence, else UTF-8 with stray NULs.

    UTF-16 is chosen only when the decoded text is plausible (see
    :func:`_plausible_share`, at least :data:`MIN_PLAUSIBLE_UTF16`): one stray
    NUL in a UTF-8 file is dropped, never a reason to read the file as UTF-16.
    Anything else is refused, naming the encodings tried.
    """
    candidates = []
    if len(data) % 2 == 0:
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if not _CONTROL_RE.search(text):
                candidates.append((_plausible_share(text), encoding, text))
    best = max(candidates, default=None)
    if best is not None and best[0] >= MIN_PLAUSIBLE_UTF16:
        return best[2], best[1]
    if data.count(0) <= MAX_STRAY_NULS * len(data):
        try:
            return data.decode("utf-8").replace("\x00", ""), "utf-8"
        except UnicodeDecodeError:
            pass
    raise InputError(
        f"{name} is not a text file (binary data): it is neither UTF-16 (little- or big-endian, "
        "tried without a BOM) nor UTF-8; give a plain-text file in UTF-8, UTF-16, Big5 or GB18030"
    )


def _plausible_share(text: str) -> float:
    """Share of the characters of ``text`` that plain English or Chinese text uses.

    Printable ASCII and whitespace, Latin letters with accents, general and CJK
    punctuation, full-width forms and the common Chinese characters of
    :func:`_common_chars`. The same bytes read with the wrong byte order (or
    UTF-8 read as UTF-16) give mostly rare Han, Hangul, private-use or
    unassigned code points.
    """
    common = _common_chars()
    plausible = 0
    for c in text:
        plausible += (c <= "\x7e" or "\u00a0" <= c <= "\u024f" or "\u2000" <= c <= "\u206f"
                      or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or c in common)
    return plausible / len(text) if text else 0.0


def _decode_chinese(data: bytes, name: str) -> tuple[str, str]:
    """Choose between GB18030 and Big5 for bytes that are not UTF-8."""
    candidates: list[tuple[float, str, str]] = []
    for group in (("gb18030",), ("big5", "cp950", "big5hkscs")):
        for encoding in group:  # the first codec of a family that decodes
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            candidates.append((_plausibility(text), encoding, text))
            break
    best = max(candidates, key=lambda c: c[0], default=None)
    if best is None or best[0] < MIN_PLAUSIBLE:
        raise InputError(
            f"{name} is not a text file in UTF-8, UTF-16, Big5 or GB18030; save it as UTF-8"
        )
    return best[2], best[1]


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """GB2312 level 1 (3755 frequent Simplified characters), Big5 level 1 (5401
    frequent Traditional characters, codes A440-C67E) and Chinese punctuation."""
    chars = set(_COMMON_PUNCT)
    pairs = [(lead, trail, "gb2312") for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)]
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    pairs += [(lead, trail, "big5") for lead in range(0xA4, 0xC7) for trail in trails
              if lead < 0xC6 or trail < 0x7F]
    for lead, trail, encoding in pairs:
        try:
            chars.add(bytes((lead, trail)).decode(encoding))
        except UnicodeDecodeError:
            continue
    return frozenset(chars)


def _plausibility(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are common Chinese."""
    common = _common_chars()
    rare = total = 0
    for c in text:
        if c > "\x7f":
            total += 1
            rare += c not in common
    return 1.0 - rare / total if total else 0.0


def letters(text: str) -> tuple[int, int]:
    """Count ``(Han characters, Latin letters)``."""
    return len(HAN_RE.findall(text)), len(_LATIN_RE.findall(text))


def _line_lang(line: str) -> str | None:
    """``"zh"``, ``"en"``, or None for a line without letters."""
    han, latin = letters(line)
    if han + latin == 0:
        return None
    return "zh" if han >= ZH_SHARE * (han + latin) else "en"


def detect_lang(text: str) -> str:
    """Tell whether a text is English or Chinese.

    Args:
        text: the text.

    Returns:
        ``"zh"`` when Han characters are at least :data:`ZH_SHARE` of the
        letters (Han + Latin), else ``"en"``.

    Raises:
        InputError: the text has no letters at all.
    """
    lang = _line_lang(text)
    if lang is None:
        raise InputError("the text has no letters; give English or Chinese text")
    return lang


def split_by_script(text: str) -> dict[str, list[str]]:
    """Split a file holding both languages into one line list per language.

    Each line goes to the language of its script (:func:`detect_lang`'s rule
    applied per line); a line without letters goes with the line before it
    (the first lettered line for leading ones). In each list the lines of the
    other language are blank, so line numbers are kept and every language
    switch ends a paragraph.

    Args:
        text: the file text, ``\\n`` line ends.

    Returns:
        ``{"en": lines, "zh": lines}``, both as long as the file.
    """
    lines = text.split("\n")
    langs = [_line_lang(line) if line.strip() else None for line in lines]
    current = next((lang for lang in langs if lang), "en")
    out: dict[str, list[str]] = {"en": [], "zh": []}
    for line, lang in zip(lines, langs, strict=True):
        if lang:
            current = lang
        elif line.strip():
            lang = current
        for key, target in out.items():
            target.append(line if key == lang else "")
    return out


#: Language code -> its name in messages.
NAMES = {"en": "English", "zh": "Chinese"}


def other_language_lines(text: str, lang: str) -> tuple[int, int]:
    """Count the lines of ``text`` written in the other language.

    Args:
        text: a file's text, ``\n`` line ends.
        lang: the language the file is read as, ``"en"`` or ``"zh"``.

    Returns:
        ``(lines in the other language, lines with letters)``, each line
        classified as in :func:`split_by_script`.
    """
    by_lang = split_by_script(text)
    counts = {key: sum(1 for line in lines if line.strip()) for key, lines in by_lang.items()}
    other = "zh" if lang == "en" else "en"
    return counts[other], counts["en"] + counts["zh"]


def language_share_warning(name: str, text: str, lang: str) -> str | None:
    """Check that one language's file does not hold much of the other language.

    Args:
        name: the file name, for the message.
        text: its text.
        lang: the language it was detected as.

    Returns:
        A warning when at least :data:`WARN_SHARE` of its lines are in the
        other language, else None.

    Raises:
        InputError: an English file of which at least :data:`ERROR_SHARE` of the
            lines are Chinese: aligning it as one language would give nonsense.
    """
    other, total = other_language_lines(text, lang)
    if not total or other < WARN_SHARE * total:
        return None
    other_name = NAMES["zh" if lang == "en" else "en"]
    counted = f"{name}: {other} of {total} lines ({other / total:.0%}) are {other_name}"
    # A Chinese translation of technical text legitimately keeps many English
    # lines (code, commands, file names: 32% of a maint-guide page), so only an
    # English file full of Chinese (a mixed file given as the English side) is refused.
    if lang == "en" and other >= ERROR_SHARE * total:
        article = "an" if lang == "en" else "a"
        raise InputError(f"{counted}, too many for {article} {NAMES[lang]} file; if it holds both "
                         "languages give it alone (align pair FILE), else remove the "
                         f"{other_name} text")
    return f"{counted}; they are aligned as {NAMES[lang]} text and may show up as gaps"
