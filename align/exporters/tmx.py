"""TMX 1.4b translation memory: one ``<tu>`` per bead with text on both sides.

Built with :mod:`xml.etree.ElementTree` (never by string concatenation) and
valid against the TMX 1.4b DTD. Characters XML 1.0 cannot hold (C0 controls
other than tab, LF and CR, U+FFFE, U+FFFF, lone surrogates) are removed, and
each removal is reported as a warning. Segments are single lines.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ..models import Lang
from ..version import __version__
from .base import Context, Exporter, Row, language_name, single_line

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def creation_date() -> str:
    """Now in UTC as TMX wants it (``YYYYMMDDThhmmssZ``).

    Honours ``SOURCE_DATE_EPOCH`` (reproducible builds) when it is set.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = (datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit()
              else datetime.now(UTC))
    return moment.strftime("%Y%m%dT%H%M%SZ")


def shareable_path(path: str) -> str:
    """A file name fit for a shared translation memory: never an absolute path.

    A relative path is kept as the user gave it; an absolute one becomes
    relative to the current folder when it lies inside it, else its file name
    (a home folder or user name must not leak into a shared memory).
    """
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return os.path.basename(path)
    return os.path.basename(path) if relative.startswith(os.pardir) else relative


class TmxExporter(Exporter):
    """TMX 1.4b; bead score, type and line numbers as ``<prop>`` elements.

    ``x-bead`` counts the source side first (``2-1``: two source units, one
    target unit), like the ``beads`` format; ``x-en-file``/``x-zh-file`` are
    the input names as given, never absolute paths (:func:`shareable_path`);
    ``x-omission`` (``"en: <text>"``, one per span) marks a unit whose side has
    text the other leaves out (the ``omission`` check), for TM curators to filter.
    """

    name = "tmx"
    one_sided = False

    def render(self, context: Context) -> str:
        a, opts = context.alignment, context.options
        root = ET.Element("tmx", version="1.4")
        header = ET.SubElement(root, "header", {
            "creationtool": "align",
            "creationtoolversion": __version__,
            "segtype": opts.level,
            "o-tmf": "align",
            "adminlang": "en",
            "srclang": opts.tag(opts.src_lang),
            "datatype": "plaintext",
            "creationdate": creation_date(),
        })
        props = [("x-align-signature", a.signature)]
        props += [(f"x-{doc.lang}-file", shareable_path(doc.path)) for doc in (a.en, a.zh) if doc.path]
        for kind, value in props:
            if value:
                self._prop(header, kind, self._clean(value, f"the header property {kind}", context))
        body = ET.SubElement(root, "body")
        for row in context.pairs:
            self._tu(body, row, context)
        ET.indent(root, space=" ")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
                + ET.tostring(root, encoding="unicode") + "\n")

    def _tu(self, body: ET.Element, row: Row, context: Context) -> None:
        opts = context.options
        tu = ET.SubElement(body, "tu", tuid=str(row.index + 1))
        self._prop(tu, "x-score", f"{row.bead.score:.4f}")
        self._prop(tu, "x-bead", row.kind(opts.order))
        for lang in ("en", "zh"):
            self._prop(tu, f"x-{lang}-line", row.side(lang).lines)
        for f in context.findings.get(row.index, []):
            if f.check == "omission" and f.span_text:  # text one side left out: "en: ..."
                self._prop(tu, "x-omission", self._clean(f"{f.only_in}: {single_line(f.span_text)}",
                                                         self._where(row, f.only_in or "en"), context))
        review = row.bead.review
        if review is not None and review.status != "dismissed":
            self._prop(tu, "x-reviewed", review.status)  # a reviewer edited or confirmed it
            if review.comment:
                ET.SubElement(tu, "note").text = self._clean(single_line(review.comment),
                                                             f"the comment of bead {row.index + 1}",
                                                             context)
        for lang in opts.order:
            tuv = ET.SubElement(tu, "tuv", {_XML_LANG: opts.tag(lang)})
            seg = ET.SubElement(tuv, "seg")
            seg.text = self._clean(single_line(row.side(lang).text),
                                   self._where(row, lang), context)

    @staticmethod
    def _prop(parent: ET.Element, kind: str, value: str) -> None:
        ET.SubElement(parent, "prop", type=kind).text = value

    @staticmethod
    def _where(row: Row, lang: Lang) -> str:
        side = row.side(lang)
        return f"the {language_name(lang)} text at line {side.lines} (bead {row.index + 1})"

    @staticmethod
    def _clean(text: str, where: str, context: Context) -> str:
        """``text`` without the characters XML 1.0 forbids; warns once per text."""
        removed = _NOT_XML.findall(text)
        if not removed:
            return text
        codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in removed))
        context.warnings.append(f"TMX: removed {len(removed)} character(s) not allowed in XML "
                                f"({codes}) from {where}")
        return _NOT_XML.sub("", text)
