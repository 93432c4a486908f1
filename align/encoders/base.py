"""The sentence-encoder protocol every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns sentences into unit vectors whose dot product is their similarity."""

    @property
    def name(self) -> str:
        """The name the encoder was asked for: a registry key, model name or path."""
        ...

    @property
    def dim(self) -> int:
        """Length of every vector."""
        ...

    def signature(self) -> str:
        """Identify the vectors produced, e.g. ``"use-m3:0.2.1"``.

        Encoders with equal signatures give equal vectors: the embedding cache
        and the signatures of results rely on it.
        """
        ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``.

        Args:
            texts: Sentences, already normalised (Chinese in Simplified script).
            batch_size: Sentences per forward pass.

        Returns:
            float32 array of shape ``(len(texts), dim)``: L2-normalised rows in
            input order; shape ``(0, dim)`` when ``texts`` is empty.
        """
        ...
