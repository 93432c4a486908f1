"""Writing an :class:`~align.models.Alignment` to files.

Formats are looked up by name in :data:`FORMATS` and imported only when used.
Each is an :class:`~align.exporters.base.Exporter` subclass in its own module;
docs/formats.md describes every format.

Example::

    from align.exporters import export
    result = export(alignment, "out.tmx", src_lang="zh")
    result.paths     # ['out.tmx']
    result.warnings  # e.g. characters removed because XML cannot hold them
"""

from __future__ import annotations

import os
from pathlib import Path

from ..atomic import ensure_writable
from ..errors import InputError, UsageError
from ..models import Alignment
from ..registry import Registry, load
from .base import Exporter, ExportResult, Options
from .result import from_dict, to_dict

#: Format name -> ``"module:Class"``, imported lazily by :func:`get_exporter`.
FORMATS: Registry[str] = Registry("align.exporters", {
    "tmx": "align.exporters.tmx:TmxExporter",
    "tsv": "align.exporters.tsv:TsvExporter",
    "jsonl": "align.exporters.jsonl:JsonlExporter",
    "moses": "align.exporters.moses:MosesExporter",
    "beads": "align.exporters.beads:BeadsExporter",
    "json": "align.exporters.result:JsonExporter",
    "html": "align.exporters.report:HtmlExporter",
    "xlsx": "align.exporters.xlsx:XlsxExporter",
})

#: File extension (lower case) -> format name. A Moses path is a corpus prefix:
#: ``corpus.moses`` (or ``corpus`` with ``--format moses``) writes ``corpus.en`` and ``corpus.zh``.
EXTENSIONS: dict[str, str] = {
    ".tmx": "tmx",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".align": "beads",
    ".beads": "beads",
    ".moses": "moses",
}

__all__ = ["EXTENSIONS", "FORMATS", "ExportResult", "Exporter", "Options", "check_destination", "export",
           "format_for_path", "from_dict", "get_exporter", "to_dict"]


def _check_name(fmt: str) -> str:
    name = fmt.lower()
    if name not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}: use one of {', '.join(sorted(FORMATS))}")
    return name


def format_for_path(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The format to write ``path`` in: ``explicit`` if given, else by extension.

    Args:
        path: the output path.
        explicit: a format name chosen by the user; it wins over the extension.

    Returns:
        A key of :data:`FORMATS`.

    Raises:
        UsageError: ``explicit`` is not a format name, or it is ``None`` and
            the extension is not one of :data:`EXTENSIONS`.
    """
    if explicit:
        return _check_name(explicit)
    suffix = Path(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    known = ", ".join(f"{ext} ({name})" for ext, name in EXTENSIONS.items())
    raise UsageError(f"cannot tell the output format of {os.fspath(path)!r} from its extension: "
                     f"use {known}, or choose one of {', '.join(sorted(FORMATS))} with --format")


def get_exporter(fmt: str) -> Exporter:
    """A new exporter for the format named ``fmt`` (case-insensitive).

    Raises:
        UsageError: an unknown format name.
    """
    exporter: Exporter = load(FORMATS[_check_name(fmt)])()
    return exporter


def check_destination(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Check, before aligning, that :func:`export` could write ``path``.

    Args:
        path: the output path, as for :func:`export`.
        fmt: a format name, or ``None`` to pick it from the extension.

    Returns:
        The format name (see :func:`format_for_path`).

    Raises:
        UsageError: unknown format.
        InputError: a file of the format (e.g. ``PATH.en`` and ``PATH.zh`` for
            ``moses``) could not be written: missing or read-only folder, or a
            folder in its place.
    """
    if os.fspath(path) != "-" and os.path.isdir(path):  # before the format: "no extension" would mislead
        raise InputError(f"cannot write {os.fspath(path)}: it is a folder; give a file path")
    name = format_for_path(path, fmt)
    for target in get_exporter(name).targets(path):
        ensure_writable(target)
    return name


def export(alignment: Alignment, path: str | os.PathLike[str], fmt: str | None = None,
           **options: object) -> ExportResult:
    """Write ``alignment`` to ``path`` atomically.

    Args:
        alignment: the result to write.
        path: the output file; for ``moses``, the prefix of ``PATH.en`` and ``PATH.zh``.
        fmt: a format name; ``None`` picks it from the extension (:func:`format_for_path`).
        **options: ``level`` (``"sentence"`` or ``"paragraph"``), ``src_lang``
            (``"en"`` or ``"zh"``), ``en_lang``, ``zh_lang`` (language tags);
            see :class:`~align.exporters.base.Options`.

    Returns:
        ``ExportResult(paths, warnings)``: the files written and the changes
        made to fit the format (never printed by the library).

    Raises:
        UsageError: unknown format or option.
        InputError: the file cannot be written.
    """
    return get_exporter(format_for_path(path, fmt)).write(alignment, path, **options)
