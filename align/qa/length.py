"""Length: beads whose Chinese/English length ratio is far from normal.

A bead's log ratio is ``r = log(zh units / en words)``, where Chinese units are
Han characters plus Latin or numeric words and English words are words and
numbers. ``r`` is compared with the document's own median (translators and
genres differ; :data:`MEAN` when the document has fewer than
:data:`MIN_BEADS` aligned beads) and divided by the spread expected at that
length, ``sd(n) = sqrt(A + B / n)`` for ``n`` English words (short sentences vary
more), giving a z-score. A bead with ``|z| >= Z_REPORT`` is reported as a
possible partial omission (Chinese short: ``z < 0``) or addition (``z > 0``);
``|z| >= Z_WARN`` is a warning, below that ``info``. Beads with fewer than
:data:`MIN_EN_WORDS` English words are skipped.

Constants from MAC-Dev's gold 1-1 beads (recompute with
``python bench/calibrate_length.py``; docs/qa.md shows the output).
"""

from __future__ import annotations

import math
import re
from statistics import median

from ..models import Alignment, Finding
from ..script import HAN_RE
from .base import pairs

NAME = "length"

#: Pooled mean of r over MAC-Dev's gold 1-1 beads (817 beads; sd 0.392, chapter
#: medians -0.154 to 0.384).
MEAN = 0.2101
#: Residual variance around each chapter's median: A + B / n (n = English words).
A = 0.0412
B = 0.6297
#: z-scores at which a bead is reported (info) and becomes a warning; on
#: MAC-Dev's gold 1-1 beads 1.2% and 0.4% of correct pairs reach them.
Z_REPORT = 3.0
Z_WARN = 4.0
MIN_EN_WORDS = 5
MIN_BEADS = 20
#: Bounds of the document's own spread relative to MAC-Dev's (see document_scale).
SCALE_MIN = 0.5
SCALE_MAX = 2.0

_LATIN_RE = re.compile(r"[A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+(?:[.,'’\-][A-Za-z0-9]+)*")


def zh_units(text: str) -> int:
    """Han characters plus Latin or numeric words."""
    return len(HAN_RE.findall(text)) + len(_LATIN_RE.findall(text))


def en_words(text: str) -> int:
    """Words and numbers (``6,800`` and ``69-year-old`` are one each)."""
    return len(_LATIN_RE.findall(text))


def log_ratio(zh: str, en: str) -> float:
    """``log(zh_units / en_words)``, each at least 1."""
    return math.log(max(1, zh_units(zh)) / max(1, en_words(en)))


def sd_at(n: int) -> float:
    """Expected spread of the log ratio for a bead of ``n`` English words."""
    return math.sqrt(A + B / max(1, n))


def document_scale(zs: list[float]) -> float:
    """The document's own spread of z-scores (1.4826 MAD), within [SCALE_MIN, SCALE_MAX].

    Close translations (news) vary less than MAC-Dev's literary ones, so the
    same omission stands out more; 1 when fewer than :data:`MIN_BEADS` beads.
    """
    if len(zs) < MIN_BEADS:
        return 1.0
    mid = median(zs)
    mad = 1.4826 * median(abs(z - mid) for z in zs)
    return min(SCALE_MAX, max(SCALE_MIN, mad))


class LengthCheck:
    """Beads whose length ratio is an outlier (possible partial omission)."""

    name = NAME
    description = "beads whose Chinese/English length ratio is far from normal (z-score)"

    def check(self, alignment: Alignment) -> list[Finding]:
        beads = [(p, en_words(p.en_text), log_ratio(p.zh_text, p.en_text)) for p in pairs(alignment)]
        usable = [(p, n, r) for p, n, r in beads if n >= MIN_EN_WORDS]
        ones = [r for p, n, r in usable if len(p.en) == len(p.zh) == 1]
        centre = median(ones) if len(ones) >= MIN_BEADS else MEAN
        raw = [(p, n, (r - centre) / sd_at(n)) for p, n, r in usable]
        scale = document_scale([z for _, _, z in raw])
        findings = []
        for p, n, z in raw:
            z /= scale
            if abs(z) < Z_REPORT:
                continue
            expected = math.exp(centre) * n
            side = ("Chinese is short: possible partial omission in the Chinese" if z < 0 else
                    "Chinese is long: possible addition, or partial omission in the English")
            message = (f"{side} (z = {z:+.1f}; {zh_units(p.zh_text)} Chinese units for {n} "
                       f"English words, about {expected:.0f} expected)")
            findings.append(p.finding(NAME, message, "warning" if abs(z) >= Z_WARN else "info"))
        return findings
