"""align: English-Chinese paragraph and sentence alignment with gap reports.

Importing this package is cheap: it never imports torch or sentence-transformers.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import AlignError, EncoderError, InputError, UsageError
from .models import Alignment, Bead, Document, Finding, Gap, Paragraph, Sentence

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
]
