"""The registries: encoders, input formats, exporters and QA checks.

Each is a :class:`Registry`, a read-only mapping of name -> ``"module:attribute"``
whose targets are imported only when used (:func:`load`), so that ``import align``
stays cheap (tests/test_layers.py reads these strings as imports). Other packages
add entries through entry points in the registry's group, e.g. in their
``pyproject.toml``::

    [project.entry-points."align.exporters"]
    sdlxliff = "my_package.sdlxliff:SdlxliffExporter"

Built-in names win over plug-ins of the same name; the keys (built-ins first)
are what the CLI offers and lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Any, Generic, TypeVar

V = TypeVar("V", str, "str | None")

#: Entry-point group of each registry.
GROUPS = ("align.encoders", "align.formats", "align.exporters", "align.checks")


def load(target: str) -> Any:
    """The object that ``target`` (``"align.formats.pdf:read_pdf"``) names, imported now."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


class Registry(Mapping[str, V], Generic[V]):
    """Name -> ``"module:attribute"``: the built-ins, then the plug-ins of ``group``.

    Args:
        group: the entry-point group plug-ins register in (one of :data:`GROUPS`).
        builtins: the package's own entries, in the order they are listed.
    """

    def __init__(self, group: str, builtins: dict[str, V]) -> None:
        self.group = group
        self._builtins: dict[str, V] = dict(builtins)
        self._entries: dict[str, V] | None = None

    def _all(self) -> dict[str, V]:
        if self._entries is None:  # entry points are read once, on first use
            from importlib.metadata import entry_points

            entries = dict(self._builtins)
            for point in entry_points(group=self.group):
                entries.setdefault(point.name.lower(), point.value)  # type: ignore[arg-type]
            self._entries = entries
        return self._entries

    def __getitem__(self, name: str) -> V:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"Registry({self.group!r}, {self._all()!r})"
