"""Moses-style parallel text: two line-aligned plain files, ``PATH.en`` and ``PATH.zh``.

The output path is the corpus prefix, as in Moses (``corpus`` ->
``corpus.en`` + ``corpus.zh``); a ``.moses``, ``.en`` or ``.zh`` extension on it
is dropped first, so ``corpus.moses`` and ``corpus.en`` name the same pair.
Line *n* of one file translates line *n* of the
other; only beads with text on both sides are written; tabs and line breaks
inside a text become spaces.
"""

from __future__ import annotations

import os

from .base import Context, Exporter, single_line

#: Extensions dropped from the output path to get the corpus prefix.
PREFIX_EXTENSIONS = (".moses", ".en", ".zh")


class MosesExporter(Exporter):
    """Two files, one segment per line."""

    name = "moses"
    one_sided = False
    suffixes = (".en", ".zh")

    def targets(self, path: str | os.PathLike[str]) -> list[str]:
        """``PREFIX.en`` and ``PREFIX.zh``, ``PREFIX`` being ``path`` without a
        ``.moses``/``.en``/``.zh`` extension."""
        prefix = os.fspath(path)
        root, ext = os.path.splitext(prefix)
        if ext.lower() in PREFIX_EXTENSIONS and os.path.basename(root):
            prefix = root
        return [prefix + suffix for suffix in self.suffixes]

    def render(self, context: Context) -> dict[str, str]:
        return {f".{lang}": "".join(single_line(row.side(lang).text) + "\n"
                                    for row in context.pairs)
                for lang in ("en", "zh")}
