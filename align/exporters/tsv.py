r"""Tab-separated pairs: a header row, then one bead with text on both sides per line.

Columns: the two texts (source language first), ``score``, ``bead`` (English
count - Chinese count, e.g. ``1-2``), then the line ranges of each text in the
same order as the texts (``12`` or ``12-13``). Tabs and line breaks inside a
text become spaces, so no field is quoted: read with
``csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)``.
"""

from __future__ import annotations

from .base import Context, Exporter, single_line


class TsvExporter(Exporter):
    """UTF-8 TSV of the aligned pairs."""

    name = "tsv"
    one_sided = False

    def render(self, context: Context) -> str:
        order = context.options.order
        lines = ["\t".join([*order, "score", "bead", *(f"{lang}_lines" for lang in order)])]
        for row in context.pairs:
            texts = [single_line(row.side(lang).text) for lang in order]
            lines.append("\t".join([*texts, f"{row.bead.score:.4f}", row.kind(order),
                                    *(row.side(lang).lines for lang in order)]))
        return "\n".join(lines) + "\n"
