"""What script a character is in, and how wrapped lines of each script join.

The one script heuristic of the package, below every stage: the format readers
and decoding (what language a line is), the text stage (sentences, tokens) and
the QA checks all use these definitions.
"""

from __future__ import annotations

import re

# Han ideographs: Extension A, the URO, compatibility ideographs, planes 2-3.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN}]")
# Han plus the punctuation of Chinese typesetting (CJK symbols, full-width forms,
# curly quotes, ellipsis, dashes, middle dot): no space is put next to these
# when hard-wrapped Chinese lines are joined.
CJKISH_RE = re.compile(f"[{HAN}\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2026\u2014\u00b7]")


def glue_lines(prev: str, nxt: str, lang: str) -> str:
    """The separator put between two joined lines.

    English: one space, or nothing after a hyphen that follows a letter
    (``de-`` + ``coupling``, ``trans-`` + ``Caspian``). Chinese: nothing when
    either side is Han or Chinese punctuation (``7`` + ``年``), else one space
    (``Kassym-Jomart`` + ``Tokayev``).
    """
    if lang == "en":
        return "" if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() else " "
    return "" if CJKISH_RE.match(prev[-1]) or CJKISH_RE.match(nxt[0]) else " "
