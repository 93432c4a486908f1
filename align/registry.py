"""The registries' one loader: encoders, input formats, exporters and QA checks are
named by ``"module:attribute"`` strings and imported only when used, so that
``import align`` stays cheap (tests/test_layers.py reads these strings as imports).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def load(target: str) -> Any:
    """The object that ``target`` (``"align.formats.pdf:read_pdf"``) names, imported now."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)
