"""The sentence-encoder protocol every backend implements.

It is defined in :mod:`align.models` (the embedding cache, below the encoders,
wraps any encoder) and named here, where encoders are written.
"""

from __future__ import annotations

from ..models import Encoder

__all__ = ["Encoder"]
