"""Moses-style parallel text: two line-aligned plain files, ``PATH.en`` and ``PATH.zh``.

The output path is the corpus prefix, as in Moses (``corpus`` ->
``corpus.en`` + ``corpus.zh``). Line *n* of one file translates line *n* of the
other; only beads with text on both sides are written; tabs and line breaks
inside a text become spaces.
"""

from __future__ import annotations

from .base import Context, Exporter, single_line


class MosesExporter(Exporter):
    """Two files, one segment per line."""

    name = "moses"
    suffixes = (".en", ".zh")

    def render(self, context: Context) -> dict[str, str]:
        return {f".{lang}": "".join(single_line(row.side(lang).text) + "\n"
                                    for row in context.pairs)
                for lang in ("en", "zh")}
