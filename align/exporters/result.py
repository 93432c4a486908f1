"""The JSON result contract: :func:`to_dict`, its inverse :func:`from_dict`, and
the ``json`` format that writes it.

Schema 1 (indices 0-based and global per document, lines 1-based)::

    {"schema": 1, "signature": str, "settings": {...},
     "en": {"path", "encoding", "variant",
            "paragraphs": [{"line", "end_line", "kind", "text", "location"?,
                            "sentences": [{"line", "end_line", "text", "location"?}]}]},
     "zh": {...same...},
     "paragraph_beads": [{"en": [paragraph indices], "zh": [...], "score", "bead": "1-1"}],
     "sentence_beads": [{"en": [sentence indices], "zh": [...], "score", "bead"}],
     "gaps": [{"level", "only_in", "paragraphs", "sentences", "line", "end_line",
               "text", "confidence", "kind", "location"?}],
     "findings": [{"check", "bead", "en_line", "zh_line", "message", "severity",
                   "en_location"?, "zh_location"?,
                   "only_in"?, "span"?, "span_text"?, "confidence"?}],
     "summary": {"en_paragraphs", "zh_paragraphs", "en_sentences", "zh_sentences",
                 "paragraph_beads", "sentence_beads", "gaps": {"en", "zh"},
                 "paragraph_gaps": {"en", "zh"}, "sentence_gaps": {"en", "zh"},
                 "findings": {"error", "warning", "info"}}}

``location`` keys (marked ``?``) are present only for inputs that have
locations (DOCX ``"¶ 14"``, PDF ``"p. 3, ¶ 2"``, HTML element paths); there
``line``/``end_line`` are running paragraph numbers. A finding's
``en_location``/``zh_location`` is the location of the sentence at its line.
Span findings (the ``omission`` check) add ``only_in``, ``span`` (``[start, end]``
character offsets in that side's bead text: its sentences joined, English with
spaces, Chinese without), ``span_text`` and ``confidence``.

The normalised matching text (``norm``) is not stored: :func:`from_dict` sets
it to the original text.

A reviewer's decision (the HTML review page's "Save corrections", an XLSX read
back) adds ``"reviewed": true, "status": "edited" | "confirmed" | "dismissed"``
and an optional ``"comment"`` to a bead, gap or finding (:func:`review_dict`);
:func:`from_dict` reads them into the ``review`` attribute.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ..errors import InputError
from ..models import LANGS, Alignment, Bead, Document, Finding, Gap, Lang, Paragraph, Review, Sentence
from .base import Context, Exporter

SCHEMA = 1


def summary(alignment: Alignment) -> dict[str, Any]:
    """Counts of units, beads and gaps (the ``summary`` of the result)."""
    a = alignment

    def gaps(level: str | None) -> dict[str, int]:
        return {lang: sum(g.only_in == lang and level in (None, g.level) for g in a.gaps)
                for lang in LANGS}

    return {"en_paragraphs": len(a.en.paragraphs), "zh_paragraphs": len(a.zh.paragraphs),
            "en_sentences": len(a.en.sentences), "zh_sentences": len(a.zh.sentences),
            "paragraph_beads": len(a.paragraph_beads), "sentence_beads": len(a.sentence_beads),
            "gaps": gaps(None), "paragraph_gaps": gaps("paragraph"),
            "sentence_gaps": gaps("sentence"),
            "findings": {sev: sum(f.severity == sev for f in a.findings)
                         for sev in ("error", "warning", "info")}}


def to_dict(alignment: Alignment) -> dict[str, Any]:
    """The alignment as plain JSON-ready data (schema 1, see the module docstring)."""
    a = alignment
    return {
        "schema": SCHEMA,
        "signature": a.signature,
        "settings": dict(a.settings),
        "en": _document(a.en),
        "zh": _document(a.zh),
        "paragraph_beads": [_bead(b) for b in a.paragraph_beads],
        "sentence_beads": [_bead(b) for b in a.sentence_beads],
        "gaps": [{"level": g.level, "only_in": g.only_in, "paragraphs": list(g.paragraphs),
                  "sentences": list(g.sentences), "line": g.line, "end_line": g.end_line,
                  "text": g.text, "confidence": g.confidence, "kind": g.kind,
                  **_location(g.location), **review_dict(g.review)} for g in a.gaps],
        "findings": [{"check": f.check, "bead": f.bead, "en_line": f.en_line,
                      "zh_line": f.zh_line, "message": f.message, "severity": f.severity,
                      **_finding_locations(a, f), **_finding_span(f), **review_dict(f.review)}
                     for f in a.findings],
        "summary": summary(a),
    }


def _location(location: str | None, key: str = "location") -> dict[str, str]:
    """``{key: location}``, or nothing for inputs without locations."""
    return {key: location} if location else {}


def _finding_span(f: Finding) -> dict[str, Any]:
    """``only_in``, ``span``, ``span_text``, ``confidence`` of a span finding (omission)."""
    if f.span is None:
        return {}
    return {"only_in": f.only_in, "span": list(f.span), "span_text": f.span_text,
            "confidence": f.confidence}


def _finding_locations(a: Alignment, f: Finding) -> dict[str, str]:
    """The locations of the sentences at a finding's lines (inputs with locations only)."""
    out: dict[str, str] = {}
    for lang, line in (("en", f.en_line), ("zh", f.zh_line)):
        doc = a.doc(lang)  # type: ignore[arg-type]
        if line is None or not any(p.location for p in doc.paragraphs):
            continue
        where = next((s.location for s in doc.sentences if s.line == line and s.location), None)
        out.update(_location(where, f"{lang}_location"))
    return out


def _document(doc: Document) -> dict[str, Any]:
    return {"path": doc.path, "encoding": doc.encoding, "variant": doc.variant,
            "paragraphs": [{"line": p.line, "end_line": p.end_line, "kind": p.kind,
                            "text": p.text, **_location(p.location),
                            "sentences": [{"line": s.line, "end_line": s.end_line, "text": s.text,
                                           **_location(s.location)}
                                          for s in p.sentences]}
                           for p in doc.paragraphs]}


def _bead(bead: Bead) -> dict[str, Any]:
    return {"en": list(bead.en), "zh": list(bead.zh), "score": bead.score, "bead": bead.kind,
            **review_dict(bead.review)}


def review_dict(review: Review | None) -> dict[str, Any]:
    """The review keys of a bead, gap or finding: ``reviewed``, ``status``, ``comment``.

    Nothing for an unreviewed item, so results without review are unchanged.
    """
    if review is None:
        return {}
    return {"reviewed": True, "status": review.status, **({"comment": review.comment}
                                                          if review.comment else {})}


def read_review(data: dict[str, Any]) -> Review | None:
    """The :class:`Review` stored by :func:`review_dict`, or ``None``.

    Raises:
        ValueError: an unknown status.
    """
    if not data.get("reviewed") and "status" not in data:
        return None
    statuses: dict[str, Literal["edited", "confirmed", "dismissed"]] = {
        "edited": "edited", "confirmed": "confirmed", "dismissed": "dismissed"}
    status = str(data.get("status") or "confirmed")
    if status not in statuses:
        raise ValueError(f"unknown review status {status!r}")
    return Review(status=statuses[status], comment=str(data.get("comment") or ""))


def from_dict(data: dict[str, Any]) -> Alignment:
    """Rebuild an :class:`Alignment` from :func:`to_dict` output (e.g. a re-read JSON file).

    ``summary`` and each bead's ``bead`` label are derived data and are not read.

    Raises:
        InputError: ``data`` is not a schema-1 align result.
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"not an align result of schema {SCHEMA} (found schema {found!r})")
    try:
        return Alignment(
            en=_read_document("en", data["en"]),
            zh=_read_document("zh", data["zh"]),
            paragraph_beads=[_read_bead(b) for b in data["paragraph_beads"]],
            sentence_beads=[_read_bead(b) for b in data["sentence_beads"]],
            gaps=[Gap(level=g["level"], only_in=g["only_in"], paragraphs=tuple(g["paragraphs"]),
                      sentences=tuple(g["sentences"]), line=g["line"], end_line=g["end_line"],
                      text=g["text"], confidence=g["confidence"], kind=g["kind"],
                      location=g.get("location"), review=read_review(g))
                  for g in data["gaps"]],
            settings=dict(data["settings"]),
            signature=data["signature"],
            findings=[Finding(check=f["check"], bead=f["bead"], en_line=f["en_line"],
                              zh_line=f["zh_line"], message=f["message"], severity=f["severity"],
                              review=read_review(f), only_in=f.get("only_in"),
                              span=tuple(f["span"]) if f.get("span") else None,
                              span_text=f.get("span_text"), confidence=f.get("confidence"))
                      for f in data["findings"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed align result: {type(exc).__name__} {exc}") from None


def _read_document(lang: Lang, data: dict[str, Any]) -> Document:
    paragraphs = []
    count = 0
    for p_index, p in enumerate(data["paragraphs"]):
        sentences = []
        for s in p["sentences"]:
            sentences.append(Sentence(text=s["text"], norm=s["text"], line=s["line"],
                                      end_line=s["end_line"], index=count, paragraph=p_index,
                                      location=s.get("location")))
            count += 1
        paragraphs.append(Paragraph(text=p["text"], norm=p["text"], line=p["line"],
                                    end_line=p["end_line"], index=p_index,
                                    sentences=tuple(sentences), kind=p["kind"],
                                    location=p.get("location")))
    return Document(lang=lang, paragraphs=tuple(paragraphs), path=data["path"],
                    encoding=data["encoding"], variant=data["variant"])


def _read_bead(data: dict[str, Any]) -> Bead:
    return Bead(en=tuple(data["en"]), zh=tuple(data["zh"]), score=data["score"],
                review=read_review(data))


class JsonExporter(Exporter):
    """The whole result (:func:`to_dict`), indented by one space, not ASCII-escaped.

    The export options do not apply: the file always holds both levels.
    """

    name = "json"

    def render(self, context: Context) -> str:
        return json.dumps(to_dict(context.alignment), ensure_ascii=False, indent=1) + "\n"
