"""Exports and reports: every format parses back and keeps the original text."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

import align
from align.errors import UsageError
from align.exporters import (
    EXTENSIONS,
    FORMATS,
    export,
    format_for_path,
    from_dict,
    get_exporter,
    to_dict,
)
from align.exporters.base import single_line
from align.models import Alignment, Bead, Document, Finding, Gap, Paragraph, Sentence

etree = pytest.importorskip("lxml.etree")

ROOT = Path(__file__).resolve().parent.parent
TMX_DTD = ROOT / "data" / "tmx14.dtd"
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"

# Seed 000: English line 12 = Chinese line 47; Chinese line 48 has no English
# counterpart; English line 13 (two sentences) = Chinese line 49 (one); headings.
EN = [
    (12, "body", [("Kazakhstan currently relies heavily on the Caspian Pipeline Consortium (CPC), "
                  "one of the world's largest pipelines that crosses Russia to the Black Sea port "
                  "of Novorossiisk."),
                  ("Out of total exports of 68 million tonnes a year, 53 million tonnes of Kazakh "
                  "oil move through it.")]),
    (13, "body", [('"We have developed a roadmap to diversify (oil) exports," Prime Minister '
                  "Alikhan Smailov told reporters."),
                  ('"Work is underway to expand and increase oil export capabilities in all '
                  'directions."')]),
    (17, "heading", ["CAPACITY PROBLEMS"]),
]
ZH = [
    (47, "body", [("哈薩克斯坦目前嚴重依賴 Caspian Pipeline Consortium (CPC),"
                   "這是世界上最大的管道之一,穿過俄羅斯通往黑海新羅西斯克港。"),
                  "在每年 6,800 萬噸的總出口量中,有 5,300 萬噸哈薩克斯坦石油通過它."]),
    (48, "body", [("雖然沒有什麼可以取代這一數量,但上周哈薩克斯坦宣佈在未來幾年將"
                   "跨裏海運輸量增加十倍,達到 2000 萬噸,"
                   "這是Tokayev政府採取行動收窄對俄羅斯的經濟依賴的最明顯跡象。")]),
    (49, "body", [("總理 Alikhan Smailov 告訴記者: “我們已經制定了使(石油)出口多樣化的路線圖。"
                  "正在努力擴大和提高各個方向的石油出口能力。”")]),
    (53, "heading", ["容量問題"]),
]
SIGNATURE = "enc:use-m3|cc:t2s|zh:jieba|max:8|gap:p20|v:0.1.0"


def document(lang: str, spec: list[tuple[int, str, list[str]]], variant: str | None = None,
             path: str | None = str(SEED)) -> Document:
    """A Document whose paragraph ``(line, kind, sentences)`` sit on one line each."""
    joiner = " " if lang == "en" else ""
    paragraphs, index = [], 0
    for p, (line, kind, texts) in enumerate(spec):
        sentences = []
        for text in texts:
            sentences.append(Sentence(text, text.lower(), line, line, index, p))
            index += 1
        text = joiner.join(texts)
        paragraphs.append(Paragraph(text, text.lower(), line, line, p, tuple(sentences), kind))
    return Document(lang, tuple(paragraphs), path, "utf-8", variant)  # type: ignore[arg-type]


@pytest.fixture()
def alignment() -> Alignment:
    zh_only = ZH[1][2][0]
    return Alignment(
        en=document("en", EN),
        zh=document("zh", ZH, "traditional"),
        paragraph_beads=[Bead((0,), (0,), 0.81), Bead((), (1,), 0.0), Bead((1,), (2,), 0.77),
                         Bead((2,), (3,), 0.64)],
        sentence_beads=[Bead((0,), (0,), 0.83), Bead((1,), (1,), 0.79), Bead((), (2,), 0.0),
                        Bead((2, 3), (3,), 0.71), Bead((4,), (4,), 0.62)],
        gaps=[Gap("paragraph", "zh", (1,), (2,), 48, 48, zh_only, 0.88, "omission"),
              Gap("sentence", "zh", (1,), (2,), 48, 48, zh_only, 0.91, "omission")],
        settings={"encoder": "use-m3", "max_bead": 8},
        signature=SIGNATURE,
        findings=[Finding("numbers", 1, 12, 47, "68 million / 6,800 萬 match", "info"),
                  Finding("length", 3, 13, 49, "<script>alert(1)</script> & odd length")],
    )


TRICKY_EN = ("Tab\there & <b>bold</b> <script>alert(1)</script>\r\nnext line 😀 𠀀 "
             "\u200fRTL\u200e \x07bell \u2028sep \x1bEsc\x00")
TRICKY_ZH = "中文\t製表 & <標籤> 😀 𠀀\n\x01控制\x0b字\u2029段\uffff"


@pytest.fixture()
def tricky() -> Alignment:
    """One 1-1 bead of hostile text (controls, breaks, markup, emoji, ext-B, RTL marks)."""
    return Alignment(
        en=document("en", [(1, "body", [TRICKY_EN])], path="en <&>.txt"),
        zh=document("zh", [(1, "body", [TRICKY_ZH])], "simplified", path="zh.txt"),
        paragraph_beads=[Bead((0,), (0,), 0.5)], sentence_beads=[Bead((0,), (0,), 0.5)],
        gaps=[], signature="sig\x01<&>")


@pytest.fixture(scope="session")
def tmx_dtd():
    return etree.DTD(str(TMX_DTD))  # in the repository (data/tmx14.dtd): never skipped


def only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def pairs_in_order(alignment: Alignment, level: str = "sentence") -> list[tuple[str, str]]:
    beads = alignment.sentence_beads if level == "sentence" else alignment.paragraph_beads
    units = {lang: (alignment.doc(lang).sentences if level == "sentence"
                    else alignment.doc(lang).paragraphs) for lang in ("en", "zh")}
    return [(" ".join(units["en"][i].text for i in b.en),
             "".join(units["zh"][i].text for i in b.zh)) for b in beads if not b.is_gap]


# --- registry and dispatch ------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("out.tmx", "tmx"), ("OUT.TMX", "tmx"), ("a/b.tsv", "tsv"), ("x.jsonl", "jsonl"),
    ("x.json", "json"), ("r.html", "html"), ("r.htm", "html"), ("gold.align", "beads"),
    ("x.beads", "beads"),
])
def test_format_from_extension(name, expected):
    assert format_for_path(name) == expected


def test_explicit_format_wins():
    assert format_for_path("out.json", "TMX") == "tmx"
    assert format_for_path("corpus", "moses") == "moses"


@pytest.mark.parametrize("name", ["out.txt", "corpus", "out.xml"])
def test_unknown_extension_lists_choices(name):
    with pytest.raises(UsageError) as err:
        format_for_path(name)
    assert all(fmt in str(err.value) for fmt in FORMATS)


def test_unknown_format_name(alignment, tmp_path):
    with pytest.raises(UsageError, match=r"tmx.*tsv"):
        export(alignment, tmp_path / "x.tmx", "docx")
    with pytest.raises(UsageError):
        get_exporter("xliff")
    assert only_file(tmp_path) == []


def test_every_format_and_extension_is_registered():
    assert set(FORMATS) == {"tmx", "tsv", "jsonl", "moses", "beads", "json", "html", "xlsx"}
    assert set(EXTENSIONS.values()) <= set(FORMATS)
    for name in FORMATS:
        assert get_exporter(name).name == name


@pytest.mark.parametrize("options, message", [
    ({"level": "word"}, "level"), ({"src_lang": "fr"}, "source language"),
    ({"zh_lang": "zh TW"}, "language tag"), ({"colour": "red"}, "unknown export option"),
])
def test_bad_options(alignment, tmp_path, options, message):
    with pytest.raises(UsageError, match=message):
        export(alignment, tmp_path / "x.tsv", **options)


# --- TMX ----------------------------------------------------------------------------

def parse_tmx(path: Path, dtd) -> etree._Element:
    tree = etree.parse(str(path))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    return tree.getroot()


def segs(root, lang: str) -> list[str]:
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    return [tuv.findtext("seg") for tuv in root.iter("tuv") if tuv.get(xml_lang) == lang]


def test_tmx_valid_with_header_and_props(alignment, tmp_path, tmx_dtd):
    result = export(alignment, tmp_path / "out.tmx")
    assert result.paths == [str(tmp_path / "out.tmx")] and result.warnings == []
    root = parse_tmx(tmp_path / "out.tmx", tmx_dtd)
    header = root.find("header")
    assert header.get("creationtool") == "align"
    assert header.get("creationtoolversion") == align.__version__
    assert header.get("segtype") == "sentence" and header.get("srclang") == "en"
    assert re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert header.findtext("prop[@type='x-align-signature']") == SIGNATURE
    tus = root.findall("body/tu")
    assert len(tus) == 4  # the 0-1 gap is not a translation unit
    assert segs(root, "en")[2] == " ".join(EN[1][2])
    assert segs(root, "zh-TW")[0] == ZH[0][2][0]  # original Traditional characters
    assert "嚴重依賴" in segs(root, "zh-TW")[0]
    props = {p.get("type"): p.text for p in tus[2].findall("prop")}
    assert props == {"x-score": "0.7100", "x-bead": "2-1", "x-en-line": "13", "x-zh-line": "49"}
    assert [tuv.get("{http://www.w3.org/XML/1998/namespace}lang")
            for tuv in tus[0].findall("tuv")] == ["en", "zh-TW"]


def test_tmx_source_side_and_paragraph_level(alignment, tmp_path, tmx_dtd):
    export(alignment, tmp_path / "p.tmx", level="paragraph", src_lang="zh", zh_lang="zh-Hant")
    root = parse_tmx(tmp_path / "p.tmx", tmx_dtd)
    header = root.find("header")
    assert header.get("segtype") == "paragraph" and header.get("srclang") == "zh-Hant"
    tus = root.findall("body/tu")
    assert len(tus) == 3
    assert [tuv.get("{http://www.w3.org/XML/1998/namespace}lang")
            for tuv in tus[0].findall("tuv")] == ["zh-Hant", "en"]
    pairs = list(zip(segs(root, "en"), segs(root, "zh-Hant"), strict=True))
    assert pairs == pairs_in_order(alignment, "paragraph")


def test_tmx_escapes_markup_and_removes_xml_forbidden_characters(tricky, tmp_path, tmx_dtd):
    result = export(tricky, tmp_path / "t.tmx")
    root = parse_tmx(tmp_path / "t.tmx", tmx_dtd)
    raw = (tmp_path / "t.tmx").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    forbidden = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    assert segs(root, "en") == [forbidden.sub("", single_line(TRICKY_EN))]
    assert segs(root, "zh-CN") == [forbidden.sub("", single_line(TRICKY_ZH))]
    assert "<script>alert(1)</script>" in segs(root, "en")[0] and "𠀀" in segs(root, "zh-CN")[0]
    assert root.find("header").findtext("prop[@type='x-align-signature']") == "sig<&>"
    assert root.find("header").findtext("prop[@type='x-en-file']") == "en <&>.txt"
    joined = "\n".join(result.warnings)
    for code in ("U+0007", "U+001B", "U+0000", "U+0001", "U+FFFF"):
        assert code in joined
    assert len(result.warnings) == 3  # one per text: English, Chinese, signature


def test_tmx_creation_date_is_reproducible(alignment, tmp_path, monkeypatch, tmx_dtd):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    export(alignment, tmp_path / "a.tmx")
    header = parse_tmx(tmp_path / "a.tmx", tmx_dtd).find("header")
    assert header.get("creationdate") == "19700101T000000Z"


def read_tmx_with_translate_toolkit(path: Path) -> tuple[object, list[tuple[str, str]]]:
    """The file as translate-toolkit reads it, and its (source, target) pairs."""
    from translate.storage import tmx  # test-only dependency (the "test" extra)

    store = tmx.tmxfile.parsefile(str(path))
    return store, [(u.source, u.target) for u in store.units if not u.isheader()]


@pytest.fixture(scope="module")
def seed_alignment() -> Alignment:
    """The seed aligned by the real pipeline (default encoder)."""
    from align.api import align_files

    return align_files(SEED)


@pytest.mark.slow
def test_tmx_of_the_seed_is_valid_and_read_back_by_translate_toolkit(seed_alignment, tmp_path,
                                                                      tmx_dtd):
    result = export(seed_alignment, tmp_path / "seed.tmx")
    assert result.warnings == []
    root = parse_tmx(tmp_path / "seed.tmx", tmx_dtd)
    expected = pairs_in_order(seed_alignment)
    assert len(expected) >= 20 and len(root.findall("body/tu")) == len(expected)
    store, pairs = read_tmx_with_translate_toolkit(tmp_path / "seed.tmx")
    assert store.sourcelanguage == "en"
    assert pairs == [(single_line(en), single_line(zh)) for en, zh in expected]
    assert not any("雖然沒有什麼可以取代這一數量" in zh for _, zh in pairs)  # a gap, not a pair
    # Chinese as source: translate-toolkit sees the Chinese side first.
    export(seed_alignment, tmp_path / "zh.tmx", src_lang="zh", level="paragraph")
    parse_tmx(tmp_path / "zh.tmx", tmx_dtd)
    store, pairs = read_tmx_with_translate_toolkit(tmp_path / "zh.tmx")
    assert store.sourcelanguage == "zh-TW"
    assert pairs == [(single_line(zh), single_line(en))
                     for en, zh in pairs_in_order(seed_alignment, "paragraph")]


def test_tmx_tricky_text_read_back_by_translate_toolkit(tricky, alignment, tmp_path, tmx_dtd):
    forbidden = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    export(tricky, tmp_path / "t.tmx")
    parse_tmx(tmp_path / "t.tmx", tmx_dtd)
    _, pairs = read_tmx_with_translate_toolkit(tmp_path / "t.tmx")
    assert pairs == [(forbidden.sub("", single_line(TRICKY_EN)),
                      forbidden.sub("", single_line(TRICKY_ZH)))]
    en, zh = pairs[0]
    assert "<script>alert(1)</script>" in en and "&" in en and "😀" in en and "𠀀" in en
    assert "<標籤>" in zh and "&" in zh and "😀" in zh and "𠀀" in zh
    assert "\u200fRTL\u200e" in en
    export(alignment, tmp_path / "a.tmx")
    _, pairs = read_tmx_with_translate_toolkit(tmp_path / "a.tmx")
    assert pairs == pairs_in_order(alignment)


# --- TSV, Moses, beads, JSONL ----------------------------------------------------------

def read_tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_tsv(alignment, tmp_path):
    export(alignment, tmp_path / "out.tsv")
    rows = read_tsv(tmp_path / "out.tsv")
    assert rows[0] == ["en", "zh", "score", "bead", "en_lines", "zh_lines"]
    assert [tuple(r[:2]) for r in rows[1:]] == pairs_in_order(alignment)
    assert rows[3][2:] == ["0.7100", "2-1", "13", "49"]


def test_tsv_source_first_and_line_ranges(alignment, tmp_path):
    first, second = EN[0][2]  # the second sentence hard-wrapped over lines 12-14
    sentences = (Sentence(first, first, 12, 12, 0, 0), Sentence(second, second, 12, 14, 1, 0))
    alignment.en = Document("en", (Paragraph(f"{first} {second}", "", 12, 14, 0, sentences),))
    alignment.sentence_beads = [Bead((0, 1), (0, 1), 0.9)]
    export(alignment, tmp_path / "out.tsv", src_lang="zh")
    rows = read_tsv(tmp_path / "out.tsv")
    assert rows[0] == ["zh", "en", "score", "bead", "zh_lines", "en_lines"]
    assert rows[1][0] == "".join(ZH[0][2]) and rows[1][3:] == ["2-2", "47", "12-14"]


def test_tsv_and_moses_keep_tricky_text_on_one_line(tricky, tmp_path):
    export(tricky, tmp_path / "t.tsv")
    rows = read_tsv(tmp_path / "t.tsv")
    assert len(rows) == 2
    assert rows[1][:2] == [single_line(TRICKY_EN), single_line(TRICKY_ZH)]
    assert "\t" not in rows[1][0] and "\x07bell" in rows[1][0] and "😀" in rows[1][1]
    result = export(tricky, tmp_path / "corpus", "moses")
    assert result.paths == [str(tmp_path / "corpus.en"), str(tmp_path / "corpus.zh")]
    for lang, text in (("en", TRICKY_EN), ("zh", TRICKY_ZH)):
        content = (tmp_path / f"corpus.{lang}").read_text(encoding="utf-8")
        assert content.splitlines() == [single_line(text)]


def test_moses(alignment, tmp_path):
    export(alignment, tmp_path / "corpus", "moses")
    en = (tmp_path / "corpus.en").read_text(encoding="utf-8").splitlines()
    zh = (tmp_path / "corpus.zh").read_text(encoding="utf-8").splitlines()
    assert list(zip(en, zh, strict=True)) == pairs_in_order(alignment)


BEAD_LINE = re.compile(r"\[(\d+(?:,\d+)*)?\]:\[(\d+(?:,\d+)*)?\]")


def read_beads(path: Path) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = BEAD_LINE.fullmatch(line)
        assert match, line
        src, tgt = ((g or "").split(",") for g in match.groups())
        beads.append((tuple(int(i) for i in src if i), tuple(int(i) for i in tgt if i)))
    return beads


def test_beads_vecalign_format(alignment, tmp_path):
    export(alignment, tmp_path / "out.align")
    assert (tmp_path / "out.align").read_text().splitlines() == [
        "[0]:[0]", "[1]:[1]", "[]:[2]", "[2,3]:[3]", "[4]:[4]"]
    export(alignment, tmp_path / "zh.beads", src_lang="zh")
    assert read_beads(tmp_path / "zh.beads") == [(b.zh, b.en) for b in alignment.sentence_beads]
    export(alignment, tmp_path / "p.beads", level="paragraph")
    assert read_beads(tmp_path / "p.beads") == [(b.en, b.zh) for b in alignment.paragraph_beads]


def test_beads_match_mac_gold_layout():
    gold = ROOT.parent / "shared" / "data" / "mac-dev" / "gold" / "001.align"
    if not gold.is_file():
        pytest.skip("MAC-Dev not available")
    assert read_beads(gold)  # the same regex reads the gold files


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_includes_gaps(alignment, tmp_path):
    export(alignment, tmp_path / "out.jsonl")
    records = read_jsonl(tmp_path / "out.jsonl")
    assert len(records) == len(alignment.sentence_beads)
    assert [(r["en"], r["zh"]) for r in records if not r["gap"]] == pairs_in_order(alignment)
    gap = records[2]
    assert gap == {"en": "", "zh": ZH[1][2][0], "en_sentences": [], "zh_sentences": [ZH[1][2][0]],
                   "score": 0.0, "bead": "0-1", "en_line": None, "en_end_line": None,
                   "zh_line": 48, "zh_end_line": 48, "gap": True, "confidence": 0.91,
                   "kind": "omission"}
    assert records[3]["en_sentences"] == EN[1][2] and records[3]["bead"] == "2-1"
    assert "confidence" not in records[0]


def test_jsonl_paragraph_level_uses_paragraph_gap(alignment, tmp_path):
    export(alignment, tmp_path / "p.jsonl", level="paragraph")
    records = read_jsonl(tmp_path / "p.jsonl")
    assert len(records) == 4 and records[1]["confidence"] == 0.88
    assert records[0]["en_sentences"] == EN[0][2]


def test_jsonl_keeps_tricky_text_exactly(tricky, tmp_path):
    export(tricky, tmp_path / "t.jsonl")
    (record,) = read_jsonl(tmp_path / "t.jsonl")
    assert (record["en"], record["zh"]) == (TRICKY_EN, TRICKY_ZH)
    raw = (tmp_path / "t.jsonl").read_text(encoding="utf-8")
    assert "😀" in raw and "𠀀" in raw  # not ASCII-escaped
    assert "\\u2029" in raw and "\u2029" not in raw  # one record per line for every reader


def test_lone_surrogate_is_replaced_and_reported(tricky, tmp_path):
    tricky.en = document("en", [(1, "body", ["broken \udc80 byte"])])
    result = export(tricky, tmp_path / "s.jsonl")
    assert read_jsonl(tmp_path / "s.jsonl")[0]["en"] == "broken \ufffd byte"
    assert any("surrogate" in w for w in result.warnings)


# --- JSON result contract -------------------------------------------------------------

def test_json_contract(alignment, tmp_path):
    export(alignment, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data == to_dict(alignment)
    assert data["schema"] == 1 and data["signature"] == SIGNATURE
    assert data["settings"] == {"encoder": "use-m3", "max_bead": 8}
    assert data["zh"]["variant"] == "traditional" and data["zh"]["encoding"] == "utf-8"
    assert data["en"]["paragraphs"][2] == {"line": 17, "end_line": 17, "kind": "heading",
                                           "text": "CAPACITY PROBLEMS",
                                           "sentences": [{"line": 17, "end_line": 17,
                                                          "text": "CAPACITY PROBLEMS"}]}
    assert data["sentence_beads"][3] == {"en": [2, 3], "zh": [3], "score": 0.71, "bead": "2-1"}
    assert data["gaps"][1]["level"] == "sentence" and data["gaps"][1]["paragraphs"] == [1]
    assert data["findings"][0] == {"check": "numbers", "bead": 1, "en_line": 12, "zh_line": 47,
                                   "message": "68 million / 6,800 萬 match", "severity": "info"}
    assert data["summary"] == {
        "en_paragraphs": 3, "zh_paragraphs": 4, "en_sentences": 5, "zh_sentences": 5,
        "paragraph_beads": 4, "sentence_beads": 5, "gaps": {"en": 0, "zh": 2},
        "paragraph_gaps": {"en": 0, "zh": 1}, "sentence_gaps": {"en": 0, "zh": 1},
        "findings": {"error": 0, "warning": 1, "info": 1}}
    assert "嚴重依賴" in (tmp_path / "r.json").read_text(encoding="utf-8")


def test_json_round_trip(alignment, tricky):
    for a in (alignment, tricky):
        data = json.loads(json.dumps(to_dict(a), ensure_ascii=False))
        again = from_dict(data)
        assert to_dict(again) == data
        assert again.sentence_beads == a.sentence_beads and again.gaps == a.gaps
        assert again.findings == a.findings
        assert [s.text for s in again.zh.sentences] == [s.text for s in a.zh.sentences]


@pytest.mark.parametrize("data", [{}, {"schema": 2}, {"schema": 1}, [], {"schema": 1, "en": 3}])
def test_from_dict_rejects_other_data(data):
    with pytest.raises(align.InputError):
        from_dict(data)


# --- HTML report --------------------------------------------------------------------

def test_html_report(alignment, tmp_path):
    export(alignment, tmp_path / "review.html")
    page = (tmp_path / "review.html").read_text(encoding="utf-8")
    root = etree.HTML(page)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # self-contained
    assert root.find(".//style") is not None and root.find(".//link") is None
    beads = root.findall(".//main/article")
    assert len(beads) == 5
    assert {"gap", "only-zh"} <= set(beads[2].get("class").split())
    assert "gap" not in beads[1].get("class").split()
    assert "91% sure" in "".join(beads[2].itertext()) and "omission" in "".join(beads[2].itertext())
    assert "newpara" in beads[0].get("class") and "newpara" not in beads[1].get("class")
    assert "flagged" in beads[1].get("class") and "6,800 萬" in "".join(beads[1].itertext())
    zh_cell = beads[0].find("div[@lang='zh-TW']")
    assert "".join(zh_cell.itertext()) == "47" + ZH[0][2][0]  # line number, original text
    assert SIGNATURE in "".join(root.find(".//footer").itertext())
    assert html.escape(SIGNATURE) in page
    assert 'type="checkbox" id="only-gaps"' in page
    assert ".toggle:checked~main .bead:not(.gap)" in page
    assert "@media (max-width:700px)" in page
    counts = "".join(root.find(".//table").itertext())
    assert "Sentence gaps" in counts and "Paragraph gaps" in counts
    gap_links = root.findall(".//details[@class='gaps']//a")
    assert [a.get("href") for a in gap_links] == ["#b3", "#b3"]
    assert "heading" in "".join(beads[4].itertext())


def test_html_escapes_everything(tricky, alignment, tmp_path):
    export(alignment, tmp_path / "a.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    export(tricky, tmp_path / "t.htm")
    page = (tmp_path / "t.htm").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<b>bold" not in page
    # Only the page's own two scripts: the embedded result (JSON, every "<" escaped)
    # and the editor, the only script the Content-Security-Policy lets run (by hash).
    assert page.count("<script") == 2 and page.count("</script") == 2
    from align.exporters.report import editor_script

    code, source = editor_script()
    assert f"script-src {source}" in page and f"<script>{code}</script>" in page
    root = etree.HTML(page)
    text = "".join(root.find(".//main/article/div").itertext())
    assert "<script>alert(1)</script>" in text and "😀" in text and "\u200fRTL\u200e" in text
    assert "\u2407bell" in text  # BEL shown as a control picture
    assert "\x07" not in page and "\x00" not in page


def test_html_paragraph_level(alignment, tmp_path):
    export(alignment, tmp_path / "p.html", level="paragraph", src_lang="zh")
    root = etree.HTML((tmp_path / "p.html").read_text(encoding="utf-8"))
    beads = root.findall(".//main/article")
    assert len(beads) == 4 and "only-zh" in beads[1].get("class")
    assert beads[0].findall("div")[0].get("lang") == "zh-TW"  # source column first
    assert "88% sure" in "".join(beads[1].itertext())


# --- atomic writing -----------------------------------------------------------------

@pytest.mark.parametrize("fmt, name", [("tsv", "out.tsv"), ("tmx", "out.tmx"), ("moses", "corpus")])
def test_failure_while_rendering_keeps_old_file(alignment, tmp_path, monkeypatch, fmt, name):
    suffixes = [".en", ".zh"] if fmt == "moses" else [""]
    targets = [tmp_path / f"{name}{suffix}" for suffix in suffixes]
    for target in targets:
        target.write_text("old", encoding="utf-8")

    def boom(text: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(f"align.exporters.{fmt}.single_line", boom)
    with pytest.raises(RuntimeError):
        export(alignment, tmp_path / name, fmt)
    assert [t.read_text(encoding="utf-8") for t in targets] == ["old"] * len(targets)
    assert only_file(tmp_path) == sorted(t.name for t in targets)  # no temporary files left


def test_failure_while_writing_leaves_no_temporary_file(alignment, tmp_path, monkeypatch):
    (tmp_path / "out.json").write_text("old", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("align.atomic.os.replace", broken_replace)
    with pytest.raises(OSError):
        export(alignment, tmp_path / "out.json")
    assert only_file(tmp_path) == ["out.json"]
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "old"


def test_missing_folder_is_an_input_error(alignment, tmp_path):
    with pytest.raises(align.InputError, match="does not exist"):
        export(alignment, tmp_path / "nope" / "out.tsv")


def test_a_plugin_exporter_from_an_entry_point(alignment, tmp_path, monkeypatch):
    """Another package adds an exporter through the ``align.exporters`` entry-point
    group; built-in names win over plug-ins of the same name."""
    import importlib.metadata

    from align import exporters
    from align.errors import UsageError
    from align.registry import Registry

    plugins = [importlib.metadata.EntryPoint("tabbed", "align.exporters.tsv:TsvExporter", "align.exporters"),
               importlib.metadata.EntryPoint("tmx", "align.exporters.tsv:TsvExporter", "align.exporters")]
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: [p for p in plugins if p.group == group])
    registry = Registry("align.exporters", dict(exporters.FORMATS))
    monkeypatch.setattr(exporters, "FORMATS", registry)
    assert list(registry)[-1] == "tabbed" and registry["tmx"] == "align.exporters.tmx:TmxExporter"
    exporters.export(alignment, tmp_path / "out.txt", "tabbed")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").count("\t") >= 4
    with pytest.raises(UsageError, match="tabbed"):  # the error lists plug-ins too
        exporters.export(alignment, tmp_path / "x.txt", "nope")
