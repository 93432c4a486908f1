"""The HTML review report: one self-contained page, bead by bead, side by side.

No network access and no external assets: the CSS and the editor's script
(``align/data/review.js``, plain JavaScript) are inline, the result is embedded
as JSON, and a Content-Security-Policy forbids loading anything and runs only
that script (by its SHA-256). Every text is escaped; C0 control characters are
shown as visible control pictures (U+2400 block) rather than removed, so a
reviewer can see them. Without script the page is a read-only report.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import PurePath

from ..models import Document, Finding, Gap, Lang
from ..version import __version__
from .base import Context, Exporter, Row, language_name, line_range
from .result import summary, to_dict

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    symbol = "\u2421" if code == 0x7F else chr(0x2400 + code)
    return f'<span class="ctl" title="U+{code:04X}">{symbol}</span>'


def esc(text: str) -> str:
    """``text`` escaped for HTML, control characters made visible."""
    return _CONTROL.sub(_picture, html.escape(text))


def _lines(first: int, last: int) -> str:
    return line_range(first, last).replace("-", "\u2013")


def _place(first: int, last: int, location: str | None) -> str:
    """Where a unit is: its location (DOCX, PDF, HTML) or ``line 12\u201313``, escaped."""
    return esc(location) if location else f"line {_lines(first, last)}"


def _percent(value: float) -> str:
    return f"{value:.0%}"


@cache
def editor_script() -> tuple[str, str]:
    """The editor's JavaScript and its CSP source (``'sha256-...'``)."""
    text = resources.files("align").joinpath("data/review.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def _embedded(data: object) -> str:
    """``data`` as JSON that can sit inside ``<script>``: every ``<`` escaped."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _omission_spans(findings: list[Finding], lang: Lang) -> list[tuple[int, int]]:
    """The ``omission`` spans on the ``lang`` side of a bead (offsets in its text)."""
    return [f.span for f in findings if f.check == "omission" and f.only_in == lang and f.span]


def _marked(text: str, marks: list[tuple[int, int]]) -> str:
    """``text`` escaped, the parts inside ``marks`` (clipped to it) in ``<mark>``."""
    out, pos = [], 0
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in marks):
        if b <= a or a < pos:
            continue
        out += [esc(text[pos:a]), '<mark class="omission" title="not in the other text">',
                esc(text[a:b]), "</mark>"]
        pos = b
    return "".join(out) + esc(text[pos:])


def _first_of_paragraph(doc: Document, sentence: int) -> bool:
    """Whether sentence ``sentence`` of ``doc`` is the first of its paragraph."""
    return doc.paragraphs[doc.sentences[sentence].paragraph].sentences[0].index == sentence


class HtmlExporter(Exporter):
    """A review page: summary, list of gaps, beads side by side, signature."""

    name = "html"

    def render(self, context: Context) -> str:
        a = context.alignment
        paths = list(dict.fromkeys(d.path for d in (a.en, a.zh) if d.path))  # one mixed file
        names = " \u2194 ".join(PurePath(path).name for path in paths)
        title = "Alignment review" + (f" \u00b7 {names}" if names else "")
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            ('<meta http-equiv="Content-Security-Policy" '
             f"content=\"default-src 'none'; style-src 'unsafe-inline'; "
             f"script-src {editor_script()[1]}\">"),
            f'<meta name="generator" content="align {esc(__version__)}">',
            f"<title>{esc(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            self._header(context, title),
            '<input type="checkbox" id="only-gaps" class="toggle">',
            self._toolbar(context),
            self._editor_bar(context),
            "<main>",
            self._column_heads(context),
            *(self._row(row, context) for row in context.rows),
            "</main>",
            self._footer(context),
            f'<script type="application/json" id="align-data">{self._data(context)}</script>',
            f"<script>{editor_script()[0]}</script>",
            "</body>",
            "</html>",
            "",
        ])

    # --- top of the page ---------------------------------------------------------

    def _header(self, context: Context, title: str) -> str:
        a = context.alignment
        counts = summary(a)
        aligned = {name: sum(not b.is_gap for b in beads) for name, beads in
                   (("paragraph", a.paragraph_beads), ("sentence", a.sentence_beads))}
        order = context.options.order
        head = "".join(f"<th>{language_name(lang)}</th>" for lang in order)
        body = [
            ("Paragraphs", [counts[f"{lang}_paragraphs"] for lang in order], ""),
            ("Sentences", [counts[f"{lang}_sentences"] for lang in order], ""),
            ("Paragraph gaps", [counts["paragraph_gaps"][lang] for lang in order], "g"),
            ("Sentence gaps", [counts["sentence_gaps"][lang] for lang in order], "g"),
        ]
        rows = "".join(
            f'<tr><th scope="row">{label}</th>'
            + "".join(f'<td class="{cls if n else ""} {lang}">{n}</td>'
                      for n, lang in zip(values, order, strict=True)) + "</tr>"
            for label, values, cls in body)
        cards = "".join(
            f'<div class="card"><b>{aligned[level]}</b><span>aligned {level} beads '
            f"of {counts[f'{level}_beads']}</span></div>"
            for level in ("paragraph", "sentence"))
        cards += (f'<div class="card{" flag" if a.findings else ""}"><b>{len(a.findings)}</b>'
                  f"<span>finding{'s' if len(a.findings) != 1 else ''}</span></div>")
        files = "".join(self._file(a.doc(lang)) for lang in order)
        return (f'<header class="top"><h1>{esc(title)}</h1><ul class="files">{files}</ul>'
                f'<div class="overview"><table class="counts"><thead><tr><th></th>{head}</tr>'
                f'</thead><tbody>{rows}</tbody></table><div class="cards">{cards}</div></div>'
                f"{self._gap_list(context)}</header>")

    @staticmethod
    def _file(doc: Document) -> str:
        details = ", ".join(esc(x) for x in (doc.encoding, doc.variant) if x)
        path = esc(doc.path) if doc.path else "<i>no file</i>"
        return (f'<li><span class="tag {doc.lang}">{language_name(doc.lang)}</span> '
                f"<code>{path}</code>{f' <small>{details}</small>' if details else ''}</li>")

    def _gap_list(self, context: Context) -> str:
        gaps = context.alignment.gaps
        if not gaps:
            return '<p class="nogaps">No gaps: every text has a counterpart.</p>'
        level = context.options.level
        where = {(lang, i): row.index for row in context.rows for lang in ("en", "zh")
                 for i in row.side(lang).indices}
        items = []
        for gap in gaps:
            first = (gap.sentences if level == "sentence" else gap.paragraphs)[:1]
            row = where.get((gap.only_in, first[0])) if first else None
            label = (f'<span class="tag {gap.only_in}">{language_name(gap.only_in)} only</span> '
                     f"{gap.level} \u00b7 {_place(gap.line, gap.end_line, gap.location)} \u00b7 "
                     f"{_percent(gap.confidence)} sure \u00b7 {esc(gap.kind)}")
            excerpt = gap.text if len(gap.text) <= 90 else gap.text[:89] + "\u2026"
            text = f'{label} <q lang="{context.options.tag(gap.only_in)}">{esc(excerpt)}</q>'
            items.append(f'<li><a href="#b{row + 1}">{text}</a></li>' if row is not None
                         else f"<li>{text}</li>")
        opened = " open" if len(gaps) <= 12 else ""  # a long list stays folded: no inner scrolling
        return (f'<details class="gaps"{opened}><summary>{len(gaps)} gap'
                f'{"s" if len(gaps) != 1 else ""}</summary><ol>{"".join(items)}</ol></details>')

    @staticmethod
    def _toolbar(context: Context) -> str:
        gaps = sum(row.is_gap or row.index in context.findings for row in context.rows)
        return ('<nav class="toolbar"><label for="only-gaps" class="switch">'
                f"Show only gaps and findings ({gaps} bead{'s' if gaps != 1 else ''})</label>"
                '<span class="legend"><span class="key en">English only</span>'
                '<span class="key zh">Chinese only</span><span class="key flag">finding</span>'
                f'<span class="key para">new paragraph</span></span>'
                f'<span class="level">{context.options.level} beads</span></nav>')

    @staticmethod
    def _editor_bar(context: Context) -> str:
        """Filters, search, undo and save; shown by the script (hidden without it)."""
        a = context.alignment
        kinds = sorted({p.kind for doc in (a.en, a.zh) for p in doc.paragraphs} - {"body"})
        shows = [("all", "all rows"), ("problems", "gaps and findings"), ("gaps", "gaps"),
                 ("only-en", "English only"), ("only-zh", "Chinese only"), ("findings", "findings"),
                 ("undecided", "not yet decided"), ("dismissed", "dismissed"), ("edited", "edited")]
        options = "".join(f'<option value="{v}">{t}</option>' for v, t in shows)
        labels = "".join(f'<option value="{esc(k)}">{esc(k)}</option>' for k in kinds)
        return ('<div id="editor" class="editor" hidden>'
                f'<label>Show <select data-filter="show">{options}</select></label>'
                f'<label>Label <select data-filter="label"><option value="">any</option>{labels}'
                "</select></label>"
                '<label>Gap confidence \u2265 <input type="number" data-filter="conf" min="0" max="1" '
                'step="0.05" value="0"></label>'
                '<label>Score below <input type="number" data-filter="score" min="0" '
                'step="0.05" placeholder="any"></label>'
                '<input type="search" id="search" data-filter="q" placeholder="Search (/)" '
                'aria-label="search the text">'
                '<output id="shown"></output><span class="spacer"></span>'
                '<button id="undo" type="button" title="undo the last change (u, Ctrl+Z)">Undo</button>'
                '<output id="edits">no changes</output>'
                '<button id="save" type="button" class="primary" title="download the corrected '
                'result (JSON, the --json schema)">Save corrections</button>'
                '<p class="keys"><kbd>n</kbd>/<kbd>p</kbd> next/previous gap or finding \u00b7 '
                "<kbd>m</kbd> merge with next \u00b7 <kbd>s</kbd> split \u00b7 <kbd>u</kbd> undo "
                "\u00b7 <kbd>/</kbd> search</p></div>")

    @staticmethod
    def _data(context: Context) -> str:
        """The result and the view, for the editor script."""
        a, opts = context.alignment, context.options
        stem = PurePath(a.en.path or a.zh.path or "alignment").stem
        view = {"level": opts.level, "order": list(opts.order),
                "tags": {"en": opts.tag("en"), "zh": opts.tag("zh")},
                "save_as": f"{stem}.corrected.json"}
        return _embedded({"result": to_dict(a), "view": view})

    @staticmethod
    def _column_heads(context: Context) -> str:
        cells = "".join(f"<div>{language_name(lang)}</div>" for lang in context.options.order)
        return f'<div class="colhead" aria-hidden="true">{cells}<div>Bead</div></div>'

    # --- beads -------------------------------------------------------------------

    def _row(self, row: Row, context: Context) -> str:
        gap = context.gap_for(row)
        findings = context.findings.get(row.index, [])
        cells = [self._cell(row, lang, context) for lang in context.options.order]
        classes = ["bead"]
        if row.is_gap:
            classes += ["gap", "only-en" if row.bead.en else "only-zh"]
        if findings:
            classes.append("flagged")
        if any(self._opens_paragraph(row, lang, context) for lang in ("en", "zh")):
            classes.append("newpara")
        return (f'<article class="{" ".join(classes)}" id="b{row.index + 1}">'
                + "".join(cells) + self._meta(row, gap, findings) + "</article>")

    @staticmethod
    def _opens_paragraph(row: Row, lang: Lang, context: Context) -> bool:
        """Whether the bead's ``lang`` side begins with the start of a paragraph."""
        indices = row.side(lang).indices
        if not indices or context.options.level == "paragraph":
            return bool(indices)
        doc = context.alignment.doc(lang)
        return _first_of_paragraph(doc, indices[0])

    def _cell(self, row: Row, lang: Lang, context: Context) -> str:
        side, doc = row.side(lang), context.alignment.doc(lang)
        label = language_name(lang)
        if not side.indices:
            other = language_name("zh" if lang == "en" else "en")
            return (f'<div class="cell {lang} empty" data-label="{label}">'
                    f'<p class="none">{other} only \u2014 not in the {label} text</p></div>')
        segments = []
        spans = _omission_spans(context.findings.get(row.index, []), lang)
        offset = 0  # of the sentence in the bead's text (omission spans count in it)
        for i in side.indices:
            if context.options.level == "sentence":
                s = doc.sentences[i]
                segments.append(self._segment(s.line, s.end_line, s.text,
                                              doc.paragraphs[s.paragraph].kind,
                                              _first_of_paragraph(doc, i), s.location,
                                              [(a - offset, b - offset) for a, b in spans]))
                offset += len(s.text) + (1 if lang == "en" else 0)
            else:
                para = doc.paragraphs[i]
                segments.append(self._segment(para.line, para.end_line, para.text, para.kind, True,
                                              para.location))
        return (f'<div class="cell {lang}" lang="{esc(context.options.tag(lang))}" '
                f'data-label="{label}">{"".join(segments)}</div>')

    @staticmethod
    def _segment(line: int, end_line: int, text: str, kind: str, starts: bool,
                 location: str | None = None, marks: list[tuple[int, int]] | None = None) -> str:
        chip = f'<span class="kind">{esc(kind)}</span>' if starts and kind != "body" else ""
        title = "first line of a paragraph" if starts else "line"
        where = _lines(line, end_line)
        if location:
            title, where = "location in the document", esc(location)
        return (f'<p class="seg{" pstart" if starts else ""}{" loc" if location else ""}">'
                f'<span class="ln" title="{title}">'
                f'{where}</span><span class="t">{chip}{_marked(text, marks or [])}</span></p>')

    @staticmethod
    def _meta(row: Row, gap: Gap | None, findings: list[Finding]) -> str:
        score = ("" if row.is_gap else  # a gap has no pair to score: its confidence is below
                 f'<span class="score" title="bead score">{row.bead.score:.3f}</span>')
        parts = [(f'<div class="head"><a class="num" href="#b{row.index + 1}">#{row.index + 1}</a>'
                  f'<code class="idx" title="0-based index in the JSON result">[{row.index}]</code>'
                  f'<span class="type">{row.bead.kind}</span>{score}</div>')]
        if gap is not None:
            parts.append(f'<div class="gapinfo"><meter min="0" max="1" '
                         f'value="{gap.confidence:.3f}"></meter> {_percent(gap.confidence)} '
                         f"sure \u00b7 {esc(gap.kind)}</div>")
        if findings:
            parts.append('<ul class="findings">' + "".join(
                f'<li class="{esc(f.severity)}"><b>{esc(f.check)}</b> {esc(f.message)}</li>'
                for f in findings) + "</ul>")
        return f'<aside class="meta">{"".join(parts)}</aside>'

    # --- bottom ------------------------------------------------------------------

    @staticmethod
    def _footer(context: Context) -> str:
        a = context.alignment
        settings = "".join(f"<dt>{esc(str(k))}</dt><dd>{esc(str(v))}</dd>"
                           for k, v in sorted(a.settings.items(), key=lambda kv: str(kv[0])))
        details = (f"<details><summary>Settings</summary><dl>{settings}</dl></details>"
                   if settings else "")
        return (f'<footer><p>Signature <code class="sig">{esc(a.signature) or "(none)"}</code></p>'
                f"{details}<p>Made by align {esc(__version__)}</p></footer>")


_CSS = """
:root{--bg:#fbfaf7;--fg:#1f2328;--muted:#6b7280;--line:#e5e2da;--card:#fff;
--en:#b45309;--en-bg:#fff3dc;--zh:#5b4bc4;--zh-bg:#ecebff;--flag:#db2777;--err:#b91c1c;
--info:#2563eb;--accent:#0f766e}
@media (prefers-color-scheme:dark){:root{--bg:#16181d;--fg:#e6e6e6;--muted:#9aa3ad;
--line:#2d323b;--card:#1d2027;--en:#f0b35a;--en-bg:#3a2c12;--zh:#a99cff;--zh-bg:#272243;
--flag:#f472b6;--err:#f87171;--info:#60a5fa;--accent:#2dd4bf}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
:lang(zh){font-family:"PingFang TC","Noto Sans CJK TC","Noto Sans TC","Source Han Sans TC",
"Microsoft JhengHei","PingFang SC","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",
"Source Han Sans","Microsoft YaHei","Hiragino Sans GB","WenQuanYi Zen Hei","WenQuanYi Micro Hei",
"Droid Sans Fallback","Noto Sans CJK JP",system-ui,sans-serif}
:lang(zh-CN),:lang(zh-Hans),:lang(zh-SG){font-family:"PingFang SC","Noto Sans CJK SC",
"Noto Sans SC","Source Han Sans SC","Microsoft YaHei","Hiragino Sans GB","PingFang TC",
"Noto Sans CJK TC","Source Han Sans","WenQuanYi Zen Hei","WenQuanYi Micro Hei",
"Droid Sans Fallback",system-ui,sans-serif}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
a{color:inherit}
.top,main,footer,.toolbar{max-width:1320px;margin:0 auto;padding:0 20px}
.top{padding-top:20px}
h1{font-size:1.35rem;margin:0 0 6px;overflow-wrap:anywhere}
.files{list-style:none;margin:0 0 14px;padding:0;display:flex;flex-wrap:wrap;gap:4px 20px}
.files small{color:var(--muted)}
.tag{display:inline-block;font-size:11px;font-weight:600;letter-spacing:.03em;
text-transform:uppercase;padding:1px 7px;border-radius:9px;color:#fff;vertical-align:1px}
.tag.en{background:var(--en)}.tag.zh{background:var(--zh)}
.overview{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.counts{border-collapse:collapse;background:var(--card);border:1px solid var(--line);
border-radius:8px;overflow:hidden;font-variant-numeric:tabular-nums}
.counts th,.counts td{padding:4px 14px;text-align:right;border-bottom:1px solid var(--line)}
.counts th[scope=row]{text-align:left;font-weight:500;color:var(--muted)}
.counts thead th{font-weight:600}
.counts tr:last-child>*{border-bottom:0}
.counts td.g.en{color:var(--en);font-weight:700}.counts td.g.zh{color:var(--zh);font-weight:700}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 16px;
min-width:9rem}
.card b{display:block;font-size:1.6rem;line-height:1.2;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:13px}
.card.flag b{color:var(--flag)}
.gaps{margin:14px 0 0;background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:6px 14px}
.gaps summary{cursor:pointer;font-weight:600}
.gaps ol{margin:6px 0 6px;padding-left:1.6em}
.gaps li{margin:2px 0}.gaps a{text-decoration:none}.gaps a:hover{text-decoration:underline}
.gaps q{color:var(--muted)}
.nogaps{color:var(--accent);font-weight:600}
.toggle{position:absolute;opacity:0;pointer-events:none}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:8px 18px;padding-top:16px;
padding-bottom:8px;font-size:13px;color:var(--muted)}
.switch{cursor:pointer;user-select:none;color:var(--fg);font-weight:600}
.switch::before{content:"";display:inline-block;width:30px;height:17px;border-radius:9px;
vertical-align:-4px;margin-right:8px;
background:radial-gradient(circle at 8.5px 50%,#fff 5.5px,transparent 6.5px),var(--line)}
.toggle:checked+.toolbar .switch::before{
background:radial-gradient(circle at 21.5px 50%,#fff 5.5px,transparent 6.5px),var(--accent)}
.toggle:focus-visible+.toolbar .switch{outline:2px solid var(--accent);outline-offset:3px}
.legend{display:flex;flex-wrap:wrap;gap:12px}
.key::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;
margin-right:5px;vertical-align:-1px}
.key.en::before{background:var(--en)}.key.zh::before{background:var(--zh)}
.key.flag::before{background:var(--flag)}
.key.para::before{content:"\\00b6";width:auto;height:auto;color:var(--fg)}
.level{margin-left:auto}
.colhead,.bead{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr) 13rem;gap:0 14px}
.colhead{position:sticky;top:0;z-index:1;background:var(--bg);padding:6px 10px;
border-bottom:2px solid var(--line);font-size:12px;font-weight:600;color:var(--muted);
text-transform:uppercase;letter-spacing:.05em}
.bead{padding:5px 10px;border-left:3px solid transparent;scroll-margin-top:3rem}
.bead.newpara,.toggle:checked~main .bead{margin-top:6px;padding-top:10px;
border-top:1px solid var(--line)}
.bead:target{box-shadow:0 0 0 2px var(--accent) inset}
.bead.flagged{border-left-color:var(--flag)}
.bead.only-en .cell.en{background:var(--en-bg);box-shadow:inset 3px 0 var(--en)}
.bead.only-zh .cell.zh{background:var(--zh-bg);box-shadow:inset 3px 0 var(--zh)}
.toggle:checked~main .bead:not(.gap):not(.flagged){display:none}
.cell{padding:4px 8px;border-radius:4px;min-width:0}
.cell.empty{border:1px dashed var(--line);display:flex;flex-direction:column;
justify-content:center}
.none{margin:0;color:var(--muted);font-style:italic;font-size:13px}
.seg{margin:0;display:grid;grid-template-columns:3.6em minmax(0,1fr);gap:8px}
.seg+.seg{margin-top:4px}
.seg.loc{grid-template-columns:7.5em minmax(0,1fr)}.seg.loc .ln{overflow-wrap:anywhere}
.seg.loc.pstart .ln::before{content:none}
.ln{color:var(--muted);font-size:12px;text-align:right;font-variant-numeric:tabular-nums;
padding-top:2px;white-space:nowrap;user-select:none}
.seg.pstart .ln::before{content:"\\00b6\\00a0";color:var(--accent)}
.t{overflow-wrap:anywhere;unicode-bidi:isolate}
.kind{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;
color:var(--accent);border:1px solid currentColor;border-radius:3px;padding:0 4px;
margin-right:6px;vertical-align:1px;font-family:system-ui,sans-serif}
.ctl{color:var(--err);border:1px solid currentColor;border-radius:2px;padding:0 1px;
font-size:.85em}
.meta{font-size:12px;color:var(--muted);padding-top:4px;min-width:0}
.meta .num{color:var(--fg);font-weight:600;text-decoration:none;margin-right:8px}
.meta .type{margin-right:8px;font-variant-numeric:tabular-nums}
.meta .score{font-variant-numeric:tabular-nums}
.gapinfo{margin-top:3px}
.only-en .gapinfo{color:var(--en)}.only-zh .gapinfo{color:var(--zh)}
meter{width:4.5rem;height:.6rem;vertical-align:-1px;-webkit-appearance:none;appearance:none;
background:var(--line);border:0;border-radius:3px;overflow:hidden}
meter::-webkit-meter-bar{background:var(--line);border:0;border-radius:3px;height:.6rem}
meter::-webkit-meter-optimum-value,meter::-webkit-meter-suboptimum-value,
meter::-webkit-meter-even-less-good-value{background:currentColor;border-radius:3px}
meter::-moz-meter-bar{background:currentColor;border-radius:3px}
mark.omission{background:rgba(255,190,0,.38);color:inherit;border-radius:2px;padding:0 1px}
.findings{list-style:none;margin:5px 0 0;padding:0}
.findings li{border-left:3px solid var(--flag);padding:1px 0 1px 7px;margin-top:3px;color:var(--fg)}
.findings li.error{border-left-color:var(--err)}.findings li.info{border-left-color:var(--info)}
.findings b{font-weight:600;margin-right:4px}
footer{margin-top:28px;padding-top:12px;padding-bottom:28px;border-top:1px solid var(--line);
color:var(--muted);font-size:13px}
footer p{margin:4px 0}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
footer dt{font-weight:600}footer dd{margin:0;overflow-wrap:anywhere}
mark.omission{outline:0}
.bead[hidden]{display:none!important}
.meta .head{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 8px}
.meta .num{margin-right:0}.meta .idx{font-size:11px;color:var(--muted)}
.editor{max-width:1320px;margin:0 auto;padding:8px 20px;display:flex;flex-wrap:wrap;
align-items:center;gap:6px 14px;font-size:13px;position:sticky;top:0;z-index:2;
background:var(--bg);border-bottom:1px solid var(--line)}
.editor[hidden]{display:none}
.editor select,.editor input,.editor button,.meta button,.meta input{font:inherit;font-size:12px;
color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:4px;
padding:2px 6px}
.editor input[type=number]{width:4.2em}.editor input[type=search]{width:12em}
.editor .spacer{flex:1}.editor output{color:var(--muted)}
.editor button.primary{background:var(--accent);border-color:var(--accent);color:#fff;
font-weight:600;padding:3px 12px}
.editor button:disabled{opacity:.5}
.editor .keys{flex-basis:100%;margin:0;color:var(--muted);font-size:12px}
kbd{font:11px ui-monospace,monospace;border:1px solid var(--line);border-bottom-width:2px;
border-radius:3px;padding:0 4px;background:var(--card)}
.js .colhead{position:static}
.js .bead{scroll-margin-top:6.5rem}  /* below the sticky editor bar */
.bead:focus{outline:none}
.bead.current{box-shadow:0 0 0 2px var(--accent) inset}
.bead.edited .meta .head::after{content:"edited";color:var(--accent);font-weight:600}
.bead.dismissed .cell:not(.empty){background:transparent;box-shadow:inset 3px 0 var(--line)}
.bead.dismissed .gapinfo{text-decoration:line-through}
.findings li.dismissed{opacity:.6}.findings li.dismissed b{text-decoration:line-through}
.gaps li.dismissed{opacity:.6}
.decide{display:inline-flex;flex-wrap:wrap;gap:3px;margin-top:3px}
.meta button{cursor:pointer;padding:0 5px;line-height:1.6}
.meta button[aria-pressed=true]{background:var(--accent);color:#fff;border-color:var(--accent)}
.meta button:disabled{opacity:.35;cursor:default}
.meta input.comment{width:100%;margin-top:2px}
.pairdecide{color:var(--accent);font-weight:600;margin-top:3px}
.pairdecide::before{content:"\\2713\\00a0"}
.tools{display:none;flex-wrap:wrap;gap:3px;margin-top:5px}
.bead:hover .tools,.bead.current .tools,.bead:focus-within .tools{display:flex}
button.cut{display:none;margin:2px 0 2px 3.6em;font:inherit;font-size:11px;color:var(--muted);
background:transparent;border:1px dashed var(--line);border-radius:4px;padding:0 8px;cursor:pointer}
button.cut:hover{color:var(--fg);border-color:var(--accent)}
.bead.current button.cut,.bead:focus-within button.cut{display:block}
@media (hover:none){.tools{display:flex}.bead.current button.cut{display:block}}
@media (max-width:700px){
body{font-size:14px}
.top,main,footer,.toolbar{padding:0 10px}
.top{padding-top:12px}
.colhead{display:none}
.bead{grid-template-columns:minmax(0,1fr);gap:4px 0;padding:8px 4px}
.bead.newpara,.toggle:checked~main .bead{padding-top:12px}
.seg{grid-template-columns:3em minmax(0,1fr)}
.cell::before{content:attr(data-label);display:block;font-size:10px;font-weight:600;
text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.level{margin-left:0}
.editor{padding:6px 10px;position:static}.editor input[type=search]{width:100%}
.editor .keys{display:none}
}
@media print{.toolbar,.toggle,.editor,.tools,.decide,button.cut{display:none}.colhead{position:static}.bead{break-inside:avoid}}
"""
