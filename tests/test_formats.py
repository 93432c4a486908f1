"""Input formats (issue 10): real DOCX, PDF, HTML and Markdown files built from the
seed, checked end to end with ``align check``; the same gaps as the plain text,
at the locations each format uses."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from conftest import SEED_MIXED

from align.cli import main
from align.read import load_documents

LINES = SEED_MIXED.read_text(encoding="utf-8").split("\n")
EN = LINES[5:35]  # seed lines 6-35
ZH = LINES[40:75]  # seed lines 41-75
#: The Chinese-only paragraphs: seed lines 48, 54, 56, 72, 74 = paragraphs 8, 14, 16, 32, 34.
ZH_ONLY = (8, 14, 16, 32, 34)
ZH_HEADINGS = {13, 25}  # 容量問題, 新的信心
EN_HEADINGS = {12, 22}  # CAPACITY PROBLEMS, NEW CONFIDENCE


def _write_docx(path, paragraphs, headings=frozenset()):
    import docx

    document = docx.Document()
    for number, text in enumerate(paragraphs, start=1):
        if number in headings:
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    document.save(path)


def _write_pdf(path, paragraphs, chinese):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    if chinese:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light" if chinese else "Helvetica",
                           fontSize=11, leading=15, spaceAfter=9,
                           wordWrap="CJK" if chinese else None)

    def page_number(canvas, doc):  # printed page numbers must not become text
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(A4[0] / 2, 30, str(doc.page))

    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph(html.escape(t, quote=False), style) for t in paragraphs],
        onFirstPage=page_number, onLaterPages=page_number)


def _write_html(path, paragraphs, headings=frozenset()):
    body = "".join(
        f"<h2>{html.escape(t)}</h2>\n" if n in headings else
        f"<p>{html.escape(t).replace('&#x27;', '&#39;')}</p>\n"
        for n, t in enumerate(paragraphs, start=1))
    path.write_text(
        "<!DOCTYPE html><html><head><title>Not text</title><style>p{color:red}</style></head>\n"
        f"<body><script>var secret = 'never read';</script><div class=\"article\">\n{body}</div>"
        "</body></html>\n", encoding="utf-8")


def _write_markdown(path, paragraphs, headings=frozenset()):
    """Blank line between paragraphs, a code block first; returns each paragraph's line."""
    out = ["```", "code is skipped", "```", ""]
    starts = []
    for n, text in enumerate(paragraphs, start=1):
        starts.append(len(out) + 1)
        out += [f"## {text}" if n in headings else text, ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return starts


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    (folder / "en.txt").write_text("\n".join(EN) + "\n", encoding="utf-8")
    (folder / "zh.txt").write_text("\n".join(ZH) + "\n", encoding="utf-8")
    _write_docx(folder / "en.docx", EN, EN_HEADINGS)
    _write_docx(folder / "zh.docx", ZH, ZH_HEADINGS)
    _write_pdf(folder / "en.pdf", EN, chinese=False)
    _write_pdf(folder / "zh.pdf", ZH, chinese=True)
    _write_html(folder / "en.html", EN, EN_HEADINGS)
    _write_html(folder / "zh.html", ZH)
    _write_markdown(folder / "en.md", EN, EN_HEADINGS)
    md_lines = _write_markdown(folder / "zh.md", ZH, ZH_HEADINGS)
    return folder, md_lines


def _check(*args, tmp_path):
    out = tmp_path / "result.json"
    code = main(["check", *map(str, args), "--json", str(out), "--quiet"])
    return code, json.loads(out.read_text(encoding="utf-8"))


def _pdf_page_text(path, page):
    import pypdf

    return re.sub(r"\s+", "", pypdf.PdfReader(str(path)).pages[page - 1].extract_text())


def _expected_location(fmt, number, md_lines, folder, gap):
    """The location (or line) a Chinese paragraph ``number`` must be reported at."""
    if fmt == "txt":
        return number, None
    if fmt == "md":
        return md_lines[number - 1], None
    if fmt == "docx":
        return number, f"¶ {number}"
    if fmt == "html":
        return number, f"/html/body/div/p[{number}]"
    # PDF: the page named must hold the text, and the paragraph rank must be plausible.
    match = re.fullmatch(r"p\. (\d+), ¶ (\d+)", gap["location"])
    assert match, gap["location"]
    assert re.sub(r"\s+", "", gap["text"])[:12] in _pdf_page_text(folder / "zh.pdf",
                                                                  int(match.group(1)))
    assert 1 <= int(match.group(2)) <= number
    return number, gap["location"]


@pytest.mark.parametrize("en_fmt, zh_fmt", [
    ("txt", "txt"), ("docx", "docx"), ("pdf", "pdf"), ("html", "html"), ("md", "md"),
    ("docx", "pdf"), ("md", "html"),
])
def test_same_gaps_as_plain_text(files, en_fmt, zh_fmt, tmp_path):
    folder, md_lines = files
    code, result = _check(folder / f"zh.{zh_fmt}", folder / f"en.{en_fmt}", tmp_path=tmp_path)
    assert code == 1
    assert [g["only_in"] for g in result["gaps"]] == ["zh"] * len(ZH_ONLY), result["gaps"]
    for gap, number in zip(result["gaps"], ZH_ONLY, strict=True):
        assert gap["level"] == "paragraph"
        assert gap["text"].replace(" ", "").startswith(ZH[number - 1].replace(" ", "")[:15])
        line, location = _expected_location(zh_fmt, number, md_lines, folder, gap)
        assert (gap["line"], gap.get("location")) == (line, location)
    assert result["summary"]["en_paragraphs"] == len(EN)
    assert result["summary"]["zh_paragraphs"] == len(ZH)


def test_docx_headings_tables_and_footnote_free_text(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Kazakhstan looks west", level=1)
    document.add_paragraph(EN[0])
    table = document.add_table(rows=2, cols=3)
    table.cell(1, 2).text = EN[1]
    table.cell(0, 0).merge(table.cell(0, 1)).text = "A merged cell."
    document.add_heading("哈薩克斯坦", level=1)
    document.add_paragraph(ZH[0])
    document.save(tmp_path / "mixed.docx")
    en, zh = load_documents(tmp_path / "mixed.docx")
    assert [(p.kind, p.location, p.line) for p in en.paragraphs] == [
        ("heading", "¶ 1", 1), ("body", "¶ 2", 2), ("body", "table 1 r1c1", 3),
        ("body", "table 1 r2c3", 4)]
    assert [(p.kind, p.location, p.line) for p in zh.paragraphs] == [
        ("heading", "¶ 3", 5), ("body", "¶ 4", 6)]
    assert all(s.location == p.location for p in en.paragraphs for s in p.sentences)


def test_html_drops_scripts_decodes_entities_and_names_paths(tmp_path):
    page = tmp_path / "page.htm"
    page.write_text(
        "<html><head><title>T</title></head><body><script>alert('x')</script>"
        "<div><p>Fish &amp; chips &#8212; &ldquo;quoted&rdquo; text, with a "
        "<a href='#'>link</a>.</p><ul><li>One item</li></ul></div>"
        "<div>Loose text<p>哈薩克斯坦\n擁有世界上最長的邊界。</p>tail text</div></body></html>",
        encoding="utf-8")
    en, zh = load_documents(page)
    assert [(p.text, p.location) for p in en.paragraphs] == [
        ("Fish & chips \u2014 \u201cquoted\u201d text, with a link.", "/html/body/div[1]/p"),
        ("One item", "/html/body/div[1]/ul/li"),
        ("Loose text", "/html/body/div[2]"),
        ("tail text", "/html/body/div[2]")]
    assert [(p.text, p.location) for p in zh.paragraphs] == [
        ("哈薩克斯坦擁有世界上最長的邊界。", "/html/body/div[2]/p")]


def test_markdown_strips_markup_and_keeps_lines(tmp_path):
    md = tmp_path / "notes.markdown"
    md.write_text("---\ntitle: front matter\n---\n# A *title*\n\nSome **bold** text with "
                  "a [link](http://x) and `code`,\nwrapped here.\n\n    indented code\n\n"
                  "- 哈薩克斯坦擁有世界上\n  最長的邊界。\n", encoding="utf-8")
    en, zh = load_documents(md)
    assert [(p.text, p.line, p.end_line, p.kind) for p in en.paragraphs] == [
        ("A title", 4, 4, "heading"),
        ("Some bold text with a link and code, wrapped here.", 6, 7, "body")]
    assert [(p.text, p.line, p.end_line) for p in zh.paragraphs] == [
        ("哈薩克斯坦擁有世界上最長的邊界。", 11, 12)]
    assert all(p.location is None for p in en.paragraphs)


def test_pdf_page_numbers_dropped_and_locations(files):
    folder, _ = files
    en, zh = load_documents(folder / "en.pdf", folder / "zh.pdf")
    assert not any(re.fullmatch(r"\d+", s.text) for s in en.sentences + zh.sentences)
    assert en.paragraphs[0].location == "p. 1, ¶ 1"
    pages = [int(re.match(r"p\. (\d+)", p.location).group(1)) for p in zh.paragraphs]
    assert pages == sorted(pages) and pages[-1] >= 2
    assert [p.line for p in zh.paragraphs] == list(range(1, len(ZH) + 1))


def test_scanned_pdf_is_a_clear_error(tmp_path, capsys):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFillGray(0.4)
    page.rect(72, 400, 400, 300, fill=1)  # an "image" of text: no text layer
    page.showPage()
    page.save()
    assert main(["check", str(path), str(SEED_MIXED)]) == 2
    err = capsys.readouterr().err
    assert "scan.pdf has no text layer" in err and "OCR" in err
    assert err.count("\n") == 1


def test_input_format_option_and_sniffing(files, tmp_path, capsys):
    folder, _ = files
    shutil.copy(folder / "en.docx", tmp_path / "english.bin")
    shutil.copy(folder / "zh.html", tmp_path / "chinese.dat")
    code, result = _check(tmp_path / "english.bin", tmp_path / "chinese.dat",
                          "--input-format", "docx,html", tmp_path=tmp_path)
    assert code == 1 and result["gaps"][0]["location"] == "/html/body/div/p[8]"
    # A Word file with another extension is recognised by its content.
    assert load_documents(tmp_path / "english.bin", folder / "zh.txt")[0].paragraphs[0].location == "¶ 1"
    assert main(["inspect", str(folder / "en.txt"), "--input-format", "odt"]) == 2
    assert "unknown input format 'odt'" in capsys.readouterr().err


def test_damaged_docx_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["inspect", str(bad)]) == 2
    assert "broken.docx is not a valid DOCX file" in capsys.readouterr().err


def test_reports_show_locations(files, tmp_path, capsys):
    folder, _ = files
    report = tmp_path / "r.html"
    assert main(["check", str(folder / "en.docx"), str(folder / "zh.docx"),
                 "--html", str(report)]) == 1
    out = capsys.readouterr().out
    assert "location" in out and "¶ 8" in out
    page = report.read_text(encoding="utf-8")
    assert "paragraph \u00b7 \u00b6 8 \u00b7" in page
    assert 'title="location in the document">\u00b6 14<' in page
    from align.exporters.result import from_dict

    _, data = _check(folder / "en.docx", folder / "zh.docx", tmp_path=tmp_path)
    again = from_dict(data)
    assert again.gaps[0].location == "¶ 8" and again.zh.paragraphs[7].location == "¶ 8"
    assert main(["inspect", str(folder / "zh.pdf"), str(folder / "en.docx")]) == 0
    assert "p. 1, ¶ 1" in capsys.readouterr().out
