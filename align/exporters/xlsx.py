"""XLSX spreadsheet: one row per bead, for reviewers who work in Excel.

Written with openpyxl. Sheet ``alignment``: a frozen, filterable header row,
then one row per bead of the level (gaps included, coloured like the HTML
report). The sentences of a multi-sentence side are on separate lines of
their cell. Sheet ``about``: the signature and the input files.

:func:`read_xlsx` reads such a file back (``align export pairs.xlsx -o
pairs.tmx``): what the cells say is the alignment, so a reviewer can move a
sentence to another row, empty a side, or mark a row ``reviewed``. Each side of
a row becomes one paragraph whose sentences are the lines of its cell; line
numbers come from the lines columns.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from ..atomic import write_bytes
from ..errors import InputError, UsageError
from ..models import LANGS, Alignment, Bead, Document, Finding, Gap, Lang, Paragraph, Review, Sentence
from .base import JOINERS, Context, Exporter, ExportResult, Options, Row, language_name

SHEET = "alignment"
#: Fills (ARGB) as in the HTML report: English only, Chinese only, a pair with findings.
FILLS = {"en": "FFFFF3DC", "zh": "FFECEBFF", "finding": "FFFCE7F3", "header": "FFE5E2DA"}
_FINDING = re.compile(r"^(error|warning|info) ([\w-]+): (.*)$")
_LINES = re.compile(r"^\s*(\d+)(?:\s*[-\u2013]\s*(\d+))?\s*$")


def _import_openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise UsageError("XLSX needs openpyxl: pip install openpyxl") from None
    return openpyxl


def _columns(order: tuple[Lang, Lang]) -> list[str]:
    names = [language_name(lang) for lang in order]
    return ["#", *(f"{n} lines" for n in names), *names, "score", "bead", "gap / finding",
            "confidence", "label", "reviewed", "comment"]


class XlsxExporter(Exporter):
    """One row per bead: lines, texts, score, bead type, gap or findings, review."""

    name = "xlsx"

    def write(self, alignment: Alignment, path: str | os.PathLike[str],
              **options: object) -> ExportResult:
        """Render the workbook and write it atomically (it is binary, not text)."""
        if os.fspath(path) == "-":
            raise UsageError("XLSX is binary: write it to a file, not to standard output")
        context = Context(alignment, Options.build(alignment, dict(options)))
        write_bytes(path, self.render_bytes(context))
        return ExportResult([str(Path(path))], context.warnings, len(context.rows),
                            context.options.level)

    def render(self, context: Context) -> str:
        raise UsageError("XLSX is binary: use XlsxExporter.write or render_bytes")

    def render_bytes(self, context: Context) -> bytes:
        """The workbook as bytes."""
        openpyxl = _import_openpyxl()
        from openpyxl.styles import Alignment as Align
        from openpyxl.styles import Font, PatternFill

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = SHEET
        columns = _columns(context.options.order)
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=FILLS["header"])
        for row in context.rows:
            sheet.append(self._values(row, context))
            fill = self._fill(row, context)
            for cell in sheet[sheet.max_row]:
                cell.alignment = Align(wrap_text=True, vertical="top")
                if fill:
                    cell.fill = PatternFill("solid", fgColor=fill)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for letter, width in zip("ABCDEFGHIJKL", (6, 9, 9, 60, 50, 8, 6, 30, 10, 10, 10, 24),
                                 strict=True):
            sheet.column_dimensions[letter].width = width
        self._about(book.create_sheet("about"), context)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    @staticmethod
    def _fill(row: Row, context: Context) -> str | None:
        if row.is_gap:
            return FILLS["en" if row.bead.en else "zh"]
        return FILLS["finding"] if context.findings.get(row.index) else None

    @staticmethod
    def _values(row: Row, context: Context) -> list[object]:
        order = context.options.order
        gap = context.gap_for(row)
        findings = context.findings.get(row.index, [])
        if row.is_gap:
            lang: Lang = "en" if row.bead.en else "zh"
            note = f"{language_name(lang)} only"
        else:
            note = "\n".join(f"{f.severity} {f.check}: {f.message}" for f in findings)
        kinds = [context.alignment.doc(lang).paragraphs[_paragraph(row, lang, context)].kind
                 for lang in order if row.side(lang).indices]
        review = (gap.review if gap else None) or row.bead.review
        return [row.index + 1, *(row.side(lang).lines for lang in order),
                *("\n".join(row.side(lang).units) for lang in order),
                None if row.is_gap else round(row.bead.score, 4),
                "-".join(str(len(row.side(lang).indices)) for lang in order), note,
                gap.confidence if gap else None, kinds[0] if kinds else "body",
                review.status if review else None, review.comment if review else None]

    @staticmethod
    def _about(sheet: Any, context: Context) -> None:
        a = context.alignment
        sheet.append(["key", "value"])
        rows: list[tuple[str, str | None]] = [("signature", a.signature), ("level", context.options.level),
                ("source", context.options.src_lang)]
        for doc in (a.en, a.zh):
            rows += [(f"{doc.lang} file", doc.path), (f"{doc.lang} encoding", doc.encoding),
                     (f"{doc.lang} variant", doc.variant)]
        for key, value in rows:
            sheet.append([key, value])


def _paragraph(row: Row, lang: Lang, context: Context) -> int:
    """The paragraph of the first unit of ``row``'s ``lang`` side."""
    first = row.side(lang).indices[0]
    if context.options.level == "paragraph":
        return first
    return context.alignment.doc(lang).sentences[first].paragraph


def read_xlsx(path: str | os.PathLike[str]) -> Alignment:
    """Read an XLSX written by :class:`XlsxExporter` (possibly edited) back.

    Columns are found by their header, so they may be moved. Each row is a
    bead; each non-empty text cell one paragraph, its lines the sentences.

    Raises:
        InputError: not such a workbook (no ``alignment`` sheet or a missing column).
    """
    openpyxl = _import_openpyxl()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read {path} as XLSX: {exc}") from None
    except Exception as exc:  # zipfile.BadZipFile and openpyxl's own errors
        raise InputError(f"cannot read {path} as XLSX: {type(exc).__name__} {exc}") from None
    if SHEET not in book.sheetnames:
        raise InputError(f"{path}: no sheet named {SHEET!r} (not an align XLSX export)")
    rows = list(book[SHEET].iter_rows(values_only=True))
    about = {str(r[0]): r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)
             if r and r[0]} if "about" in book.sheetnames else {}
    book.close()
    if not rows:
        raise InputError(f"{path}: the {SHEET!r} sheet is empty")
    head = {str(name): k for k, name in enumerate(rows[0]) if name is not None}
    need = ["English", "Chinese", "English lines", "Chinese lines"]
    missing = [name for name in need if name not in head]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return _rebuild([dict(zip(head, (r[k] if k < len(r) else None for k in head.values()),
                              strict=True)) for r in rows[1:] if any(v is not None for v in r)],
                    about, str(path))


def _rebuild(records: list[dict[str, Any]], about: dict[str, Any], where: str) -> Alignment:
    """The alignment the rows of the sheet describe."""
    paragraphs: dict[Lang, list[Paragraph]] = {"en": [], "zh": []}
    beads, gaps, findings = [], [], []
    for number, rec in enumerate(records, start=2):
        sides: dict[Lang, tuple[int, ...]] = {}
        for lang in LANGS:
            name = language_name(lang)
            texts = [t.strip() for t in str(rec.get(name) or "").split("\n") if t.strip()]
            if texts:
                line, end = _line_range(rec.get(f"{name} lines"), where, number)
                paragraphs[lang].append(_paragraph_of(lang, texts, line, end, paragraphs[lang],
                                                      str(rec.get("label") or "body")))
            sides[lang] = tuple(s.index for s in paragraphs[lang][-1].sentences) if texts else ()
        if not sides["en"] and not sides["zh"]:
            continue
        review = _review(rec)
        score = float(rec.get("score") or 0.0) if sides["en"] and sides["zh"] else 0.0
        beads.append(Bead(sides["en"], sides["zh"], score,
                          review if sides["en"] and sides["zh"] else None))
        if not sides["en"] or not sides["zh"]:
            lang = "en" if sides["en"] else "zh"
            p = paragraphs[lang][-1]
            gaps.append(Gap("sentence", lang, (p.index,), sides[lang], p.line, p.end_line,
                            p.text,
                            float(rec.get("confidence") or 1.0), p.kind, review=review))
        else:
            findings += _findings(rec, len(beads) - 1, paragraphs)
    docs = {lang: Document(lang, tuple(paragraphs[lang]), path=about.get(f"{lang} file"),
                           encoding=about.get(f"{lang} encoding"),
                           variant=about.get(f"{lang} variant")) for lang in LANGS}
    paragraph_beads = [Bead(tuple(docs["en"].sentences[i].paragraph for i in b.en[:1]),
                            tuple(docs["zh"].sentences[i].paragraph for i in b.zh[:1]),
                            b.score, b.review) for b in beads]
    return Alignment(en=docs["en"], zh=docs["zh"], paragraph_beads=paragraph_beads,
                     sentence_beads=beads, gaps=gaps, settings={"read_from": "xlsx"},
                     signature=str(about.get("signature") or ""), findings=findings)


def _paragraph_of(lang: Lang, texts: list[str], line: int, end: int, done: list[Paragraph],
                  kind: str) -> Paragraph:
    """One paragraph of the sentences ``texts``, numbered after ``done``."""
    first = sum(len(p.sentences) for p in done)
    sentences = tuple(Sentence(text=t, norm=t, line=line, end_line=end, index=first + k,
                               paragraph=len(done)) for k, t in enumerate(texts))
    text = JOINERS[lang].join(texts)
    return Paragraph(text=text, norm=text, line=line, end_line=end, index=len(done),
                     sentences=sentences, kind=kind)


def _line_range(value: Any, where: str, number: int) -> tuple[int, int]:
    if isinstance(value, (int, float)):
        return int(value), int(value)
    match = _LINES.match(str(value or ""))
    if not match:
        raise InputError(f"{where}: row {number}: a text without a line number ({value!r})")
    first = int(match.group(1))
    return first, int(match.group(2) or first)


def _review(rec: dict[str, Any]) -> Review | None:
    status = str(rec.get("reviewed") or "").strip().lower()
    if not status or status in ("no", "n", "false", "0"):
        return None
    if status not in ("edited", "confirmed", "dismissed"):
        status = "confirmed"  # "yes", "x", "ok": the reviewer says the row is right
    return Review(status, str(rec.get("comment") or ""))  # type: ignore[arg-type]


def _findings(rec: dict[str, Any], bead: int,
              paragraphs: dict[Lang, list[Paragraph]]) -> list[Finding]:
    """The findings listed in a pair's ``gap / finding`` cell."""
    out = []
    lines = {lang: paragraphs[lang][-1].line for lang in LANGS}
    for text in str(rec.get("gap / finding") or "").split("\n"):
        match = _FINDING.match(text.strip())
        if match:
            out.append(Finding(match.group(2), bead, lines["en"], lines["zh"], match.group(3),
                               match.group(1)))  # type: ignore[arg-type]
    return out
