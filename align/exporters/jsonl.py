r"""JSON Lines: one object per bead, null beads included, texts exactly as read.

Keys: ``en``, ``zh`` (joined texts, ``""`` for the empty side of a gap),
``en_sentences``, ``zh_sentences`` (the sentence texts), ``score``, ``bead``
(e.g. ``"1-2"``), ``en_line``/``en_end_line`` and ``zh_line``/``zh_end_line``
(``null`` for an empty side), ``gap`` (true for a 1-0 / 0-1 bead), and for a
gap the matching gap's ``confidence`` and ``kind`` (``null`` if none matches).

Text is not ASCII-escaped, except the line separators U+0085, U+2028 and U+2029,
which are written as ``\u`` escapes so that every reader, including
``str.splitlines``, sees one record per line.
"""

from __future__ import annotations

import json

from .base import Context, Exporter, Row

_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class JsonlExporter(Exporter):
    """One JSON object per line, UTF-8, not ASCII-escaped."""

    name = "jsonl"

    def render(self, context: Context) -> str:
        lines = (json.dumps(self._record(row, context), ensure_ascii=False) for row in context.rows)
        return "".join(line.translate(_SEPARATORS) + "\n" for line in lines)

    @staticmethod
    def _record(row: Row, context: Context) -> dict[str, object]:
        record: dict[str, object] = {"en": row.en.text, "zh": row.zh.text,
                                     "en_sentences": list(row.en.sentences),
                                     "zh_sentences": list(row.zh.sentences),
                                     "score": row.bead.score, "bead": row.bead.kind}
        for side in (row.en, row.zh):
            record[f"{side.lang}_line"] = side.line
            record[f"{side.lang}_end_line"] = side.end_line
        record["gap"] = row.is_gap
        if row.is_gap:
            gap = context.gap_for(row)
            record["confidence"] = gap.confidence if gap else None
            record["kind"] = gap.kind if gap else None
        return record
