"""Bead list in the Vecalign / Bertalign gold format.

One bead per line, null beads included, source indices first:
``[0,1]:[0]``, ``[2]:[]``, ``[]:[3]``. Indices are 0-based and global per
document (sentences, or paragraphs with ``level="paragraph"``). With
``src_lang="zh"`` the file compares directly with MAC gold files.
"""

from __future__ import annotations

from .base import Context, Exporter


def _indices(indices: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, indices)) + "]"


class BeadsExporter(Exporter):
    """``[i,j]:[k]`` lines."""

    name = "beads"

    def render(self, context: Context) -> str:
        return "".join(":".join(_indices(row.side(lang).indices)
                                for lang in context.options.order) + "\n"
                       for row in context.rows)
