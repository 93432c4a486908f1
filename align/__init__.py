"""align: English-Chinese paragraph and sentence alignment with gap reports.

Importing this package is cheap: it never imports torch or sentence-transformers,
and the aligner (``align_texts``, ``align_files``, ``align_documents``, from
:mod:`align.api`) loads on first use::

    import align
    result = align.align_texts(english, chinese)
    for gap in result.gaps:
        print(gap.only_in, gap.line, gap.confidence, gap.text)
"""

from __future__ import annotations

from .errors import AlignError, EncoderError, InputError, UsageError
from .models import Alignment, Bead, Document, Finding, Gap, Paragraph, Sentence
from .version import __version__

_API = ("align_documents", "align_files", "align_texts")


def __getattr__(name: str):
    """The aligner's entry points, imported from :mod:`align.api` on first use."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'align' has no attribute {name!r}")


__all__ = [
    "AlignError",
    "Alignment",
    "Bead",
    "Document",
    "EncoderError",
    "Finding",
    "Gap",
    "InputError",
    "Paragraph",
    "Sentence",
    "UsageError",
    "__version__",
    "align_documents",
    "align_files",
    "align_texts",
]
