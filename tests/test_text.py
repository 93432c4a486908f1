"""Text processing: normalisation, variants, paragraphs, sentences, tokens, documents."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from align.errors import InputError
from align.text import (
    build_document,
    normalize_zh,
    paragraph_kind,
    quote_states,
    split_paragraphs,
    split_sentences,
    tokens,
    zh_variant,
)

SEED_LINES = (Path(__file__).resolve().parent.parent / "seeds" / "000_f1284998f700f5c0.txt").read_text(
    encoding="utf-8").split("\n")


def seed(first: int, last: int) -> list[str]:
    """Seed lines ``first``..``last`` (1-based, inclusive)."""
    return SEED_LINES[first - 1:last]


# --- normalisation and variants -------------------------------------------------

@pytest.mark.parametrize(("text", "norm"), [
    ("舉辦後來發展", "举办后来发展"),
    ("ＡＢＣ１２３！？（）", "ABC123!?()"),
    ("第一\u3000第二", "第一 第二"),
    ("「容量問題」。", "「容量问题」。"),  # CJK punctuation is kept
    (seed(39, 39)[0], "Tokayev 在周日举行的总统选举将延长他对哈萨克斯坦统治7"),  # the stray 举 stays
    ("already simplified 举办", "already simplified 举办"),
])
def test_normalize_zh(text, norm):
    assert normalize_zh(text) == norm


@pytest.mark.parametrize(("text", "variant"), [
    ("\n".join(seed(38, 75)), "traditional"),  # despite 举, 库, 于, 变
    (normalize_zh("\n".join(seed(38, 75))), "simplified"),
    (seed(39, 39)[0], "traditional"),
    ("舉辦後來發展举", "mixed"),  # 5 Traditional-only, 1 Simplified-only
    ("举办后来发展" * 2 + "舉", "simplified"),  # 1 of 11 is at most 10%
    ("中文", "simplified"),  # no evidence either way
    ("English only", "simplified"),
])
def test_zh_variant(text, variant):
    assert zh_variant(text) == variant


# --- sentences ------------------------------------------------------------------

ZH_SENTENCE_CASES = [
    ("quotes stay with their sentence", seed(49, 49)[0], [
        "總理 Alikhan Smailov 告訴記者: “我們已經制定了使(石油)出口多樣化的路線圖。",
        "正在努力擴大和提高各個方向的石油出口能力。”",
    ]),
    ("grouped numbers and trailing half-width stop", seed(47, 47)[0], [
        "哈薩克斯坦目前嚴重依賴 Caspian Pipeline Consortium (CPC),這是世界上最大的管道之一,穿過俄羅斯通往黑海新羅西斯克港。",
        "在每年 6,800 萬噸的總出口量中,有 5,300 萬噸哈薩克斯坦石油通過它.",
    ]),
    ("decimal", "增長了3.5%。去年是2.0%。", ["增長了3.5%。", "去年是2.0%。"]),
    ("corner quotes", "他說：「好。」她笑了。", ["他說：「好。」", "她笑了。"]),
    ("stacked marks and ellipsis", "真的嗎？！不知道……我走了。", ["真的嗎？！", "不知道……", "我走了。"]),
    # ； joins parallel clauses, as ";" does in English, which is no sentence end either:
    # cut there, the clause after it became a Chinese sentence with no English partner
    ("semicolon", "安裝至 /etc/cron.daily/package ；每天運行一次。下一條。",
     ["安裝至 /etc/cron.daily/package ；每天運行一次。", "下一條。"]),
    ("half-width marks before Han", "是嗎?好的! 走吧.再見", ["是嗎?", "好的!", "走吧.", "再見"]),
    ("half-width marks inside Latin", "他說 Yahoo! Inc. 很好。", ["他說 Yahoo! Inc. 很好。"]),
    ("bracket after stop", "（完。）下一段。", ["（完。）", "下一段。"]),
    ("no final stop", "容量問題", ["容量問題"]),
]


@pytest.mark.parametrize(("label", "text", "pieces"), ZH_SENTENCE_CASES, ids=[c[0] for c in ZH_SENTENCE_CASES])
def test_split_sentences_zh(label, text, pieces):
    assert split_sentences(text, "zh") == pieces


EN_SENTENCE_CASES = [
    # sentencex cuts after a full stop inside a token (Debian's maint-guide)
    ("./configure", "It executes the following if ./configure exists. Then it stops.",
     ["It executes the following if ./configure exists.", "Then it stops."]),
    ("README.Debian", "Read /usr/share/doc/gentoo/README.Debian.gz if you need it. It is short.",
     ["Read /usr/share/doc/gentoo/README.Debian.gz if you need it.", "It is short."]),
    ("closing bracket after a stop", "It reads a file. (See file(1).) Then it stops.",
     ["It reads a file.", "(See file(1).)", "Then it stops."]),
    ("Mr. and Dr.", "Mr. Smith went to Washington. He met Dr. Jones there.",
     ["Mr. Smith went to Washington.", "He met Dr. Jones there."]),
    ("U.S.", "The U.S. economy grew 3.5% last year. Analysts expected more.",
     ["The U.S. economy grew 3.5% last year.", "Analysts expected more."]),
    ("p.m.", "The talks ended at 9:10 p.m. on Thursday. Nobody spoke.",
     ["The talks ended at 9:10 p.m. on Thursday.", "Nobody spoke."]),
    ("St.", seed(8, 8)[0], [seed(8, 8)[0]]),
    ("No.", "He lives at No. 2 Baker Street. It is old.", ["He lives at No. 2 Baker Street.", "It is old."]),
    ("Gen. Sen. Gov.", "Gen. Smith and Sen. Brown met Gov. Lee at 10 a.m. on Tuesday.",
     ["Gen. Smith and Sen. Brown met Gov. Lee at 10 a.m. on Tuesday."]),
    ("quoted sentences", seed(13, 13)[0], [
        '"We have developed a roadmap to diversify (oil) exports," Prime Minister Alikhan Smailov told reporters.',
        '"Work is underway to expand and increase oil export capabilities in all directions."',
    ]),
    ("decimals", seed(20, 20)[0], [
        "He did not detail how the target would be reached.",
        "Kazakhstan's Aktau port, the only one equipped to load oil tankers, can handle up to 5.5 million tonnes.",
        "Another port, Kuryk, can be used to load train ferries carrying oil.",
    ]),
    ("post-pass: lower-case after an abbreviation", "He earned $5.5 bn. in 2020. Then he retired.",
     ["He earned $5.5 bn. in 2020.", "Then he retired."]),
    ("extra spaces", "One.   Two?  Three!", ["One.", "Two?", "Three!"]),
]


@pytest.mark.parametrize(("label", "text", "pieces"), EN_SENTENCE_CASES, ids=[c[0] for c in EN_SENTENCE_CASES])
def test_split_sentences_en(label, text, pieces):
    assert split_sentences(text, "en") == pieces


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sentences_keep_every_character(lang):
    lines = [line for line in SEED_LINES if line.strip()]
    for line in lines:
        pieces = split_sentences(line, lang)
        assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", line)
        assert all(p == p.strip() and p for p in pieces)


def test_long_single_line_is_linear():
    text = "The U.S. economy grew 3.5% last year under Mr. Smith. " * 190_000  # ~10 MB
    start = time.perf_counter()
    doc = build_document([text], "en")
    assert len(doc.sentences) == 190_000
    assert time.perf_counter() - start < 20


# --- paragraphs -----------------------------------------------------------------

def test_seed_headline_dateline_byline_stay_separate():
    paragraphs = split_paragraphs(seed(1, 7), "en")
    assert [(first, last) for _, first, last in paragraphs] == [(n, n) for n in range(1, 8)]


def test_seed_hard_wrapped_comment_is_one_paragraph():
    (text, first, last), = split_paragraphs(seed(76, 83), "en", first_line=76)
    assert (first, last) == (76, 83)
    assert text == " ".join(seed(76, 83))


def test_seed_chinese_wrapped_mid_sentence():
    paragraphs = split_paragraphs(seed(38, 41), "zh", first_line=38)
    assert [(first, last) for _, first, last in paragraphs] == [(38, 40), (41, 41)]
    text = paragraphs[0][0]
    assert "毫無疑問,Kassym-Jomart Tokayev 在周日" in text
    assert "統治7年。不太清楚" in text


def test_chinese_heading_is_not_joined():
    paragraphs = split_paragraphs(seed(52, 54), "zh", first_line=52)
    assert [(first, last) for _, first, last in paragraphs] == [(52, 52), (53, 53), (54, 54)]


# Each case: lines, and the paragraphs expected as (first line, last line).
WRAP_CASES = [
    ("one paragraph per line", "en", seed(18, 22), [(n, n) for n in range(1, 6)]),
    ("lower-case continuation", "en", ["The talks between the two", "countries stalled."], [(1, 2)]),
    ("function word at line end", "en", ["The pipeline runs to the", "Black Sea port."], [(1, 2)]),
    ("comma at line end", "en", ["Smailov said,", "Kazakhstan would start."], [(1, 2)]),
    ("colon ends the line", "en", ["He reported the following:", "Analysis shows growth."], [(1, 1), (2, 2)]),
    ("headline then body", "en", ["CAPACITY PROBLEMS", "But getting oil to Baku is hard."], [(1, 1), (2, 2)]),
    ("blank lines separate", "en", ["First line", "", "second line."], [(1, 1), (3, 3)]),
    ("list items stay apart", "en", ["- the first item is rather long and goes on to the", "- second item"],
     [(1, 1), (2, 2)]),
    ("zh comma at line end", "zh", ["哈薩克斯坦總統和俄羅斯外交部沒有立即回應,", "Tokayev的發言人表示。"], [(1, 2)]),
    ("zh closing quote ends", "zh", ["他說：「我們會去。」", "第二段。"], [(1, 1), (2, 2)]),
]


@pytest.mark.parametrize(("label", "lang", "lines", "expected"), WRAP_CASES, ids=[c[0] for c in WRAP_CASES])
def test_paragraph_rules(label, lang, lines, expected):
    assert [(first, last) for _, first, last in split_paragraphs(lines, lang)] == expected


@pytest.mark.parametrize("width", [60, 72, 80, 100])
@pytest.mark.parametrize("blank_lines", [True, False], ids=["blank-separated", "no-blank-lines"])
def test_hard_wrapped_english_is_rejoined(width, blank_lines):
    originals = seed(18, 26)
    lines: list[str] = []
    for paragraph in originals:
        lines += textwrap.wrap(paragraph, width) + ([""] if blank_lines else [])
    texts = [text for text, _, _ in split_paragraphs(lines, "en")]
    if blank_lines:
        assert texts == originals
        return
    # Without blank lines a paragraph whose last line leaves no room for the
    # next word is merged with the next one; nothing is ever cut apart.
    assert len(texts) >= len(originals) - 2
    position = 0
    for text in texts:
        end = next(j for j in range(position + 1, len(originals) + 1)
                   if " ".join(originals[position:j]) == text)
        position = end
    assert position == len(originals)


def test_hard_wrapped_chinese_is_rejoined():
    originals = seed(54, 59)
    lines: list[str] = []
    for paragraph in originals:  # wrap at 60 columns, Han characters being 2 wide
        line = ""
        for char in paragraph:
            if len(line.encode("gbk")) + len(char.encode("gbk")) > 60:
                lines.append(line)
                line = ""
            line += char
        lines += [line, ""]
    texts = [text for text, _, _ in split_paragraphs(lines, "zh")]
    assert [t.replace(" ", "") for t in texts] == [p.replace(" ", "") for p in originals]


def test_hyphen_at_wrap_is_kept_without_space():
    (text, _, _), = split_paragraphs(["an act of de-", "coupling from Russia."], "en")
    assert text == "an act of de-coupling from Russia."


@pytest.mark.parametrize(("text", "lang", "kind"), [
    (seed(2, 2)[0], "en", "heading"),
    (seed(3, 3)[0], "en", "heading"),
    (seed(4, 4)[0], "en", "dateline"),
    (seed(5, 5)[0], "en", "byline"),
    (seed(17, 17)[0], "en", "heading"),
    (seed(36, 36)[0], "en", "credit"),
    (seed(37, 37)[0], "en", "heading"),
    (seed(1, 1)[0], "en", "body"),
    (seed(22, 22)[0], "en", "body"),
    ("Reporting by Tamara Vaal; Editing by Mike Collett-White", "en", "credit"),
    ("2022-11-17 09:10", "en", "dateline"),
    (seed(53, 53)[0], "zh", "heading"),
    (seed(65, 65)[0], "zh", "heading"),
    (seed(60, 60)[0], "zh", "body"),
    ("2022年11月17日 星期四", "zh", "dateline"),
    ("（編輯：王小明）", "zh", "credit"),
    ("記者 王小明", "zh", "byline"),
])
def test_paragraph_kind(text, lang, kind):
    assert paragraph_kind(text, lang) == kind


# --- tokens ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Out of total exports of 68 million tonnes, 6,800 went (3.5%).", "en",
     ["out", "of", "total", "exports", "of", "68", "million", "tonnes", "6,800", "went", "3.5"]),
    ("在每年 6,800 萬噸的總出口量中", "zh", ["在", "每年", "6,800", "万吨", "的", "总", "出口量", "中"]),
    ("Tokayev 在周日舉行", "zh", ["tokayev", "在", "周日", "举行"]),
])
def test_tokens(text, lang, expected):
    assert tokens(text, lang) == expected


def test_jieba_is_quiet():
    code = "from align.text import tokens; print(tokens('哈薩克斯坦石油', 'zh'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == "" and "石油" in out.stdout


# --- documents ------------------------------------------------------------------

def test_build_document_line_numbers_and_original_text():
    lines = ["" for _ in range(37)] + seed(38, 48)
    doc = build_document(lines, "zh", path="x.txt", encoding="big5")
    first = doc.sentences[0]
    assert (first.line, first.end_line) == (38, 40)
    assert first.text.startswith("阿拉木圖") and first.norm.startswith("阿拉木图")
    assert "举" in first.text and "舉" not in first.norm
    second = doc.sentences[1]
    assert (second.line, second.end_line, second.paragraph) == (40, 40, 0)
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    assert [p.index for p in doc.paragraphs] == list(range(len(doc.paragraphs)))
    assert all(s.paragraph == p.index for p in doc.paragraphs for s in p.sentences)
    assert doc.paragraphs[-1].line == 48 and doc.paragraphs[-1].text.startswith("雖然沒有什麼")
    assert (doc.path, doc.encoding, doc.variant) == ("x.txt", "big5", "traditional")


def test_english_sentence_lines_across_a_wrap():
    doc = build_document(seed(76, 83), "en", first_line=76)
    assert [(s.line, s.end_line) for s in doc.sentences] == [(76, 77), (77, 79), (79, 82), (82, 83)]
    assert all(s.norm == s.text for s in doc.sentences)


def test_presplit_without_and_with_blank_lines():
    doc = build_document(seed(18, 22), "en", presplit=True)
    assert len(doc.paragraphs) == 1
    assert [s.text for s in doc.sentences] == seed(18, 22)
    assert [s.line for s in doc.sentences] == [1, 2, 3, 4, 5]
    doc = build_document(["a b.", "c d.", "", "  e f.  "], "en", presplit=True, first_line=10)
    assert [(p.line, p.end_line) for p in doc.paragraphs] == [(10, 11), (13, 13)]
    assert [(s.text, s.line, s.paragraph) for s in doc.sentences] == [
        ("a b.", 10, 0), ("c d.", 11, 0), ("e f.", 13, 1)]


def test_empty_document_is_an_input_error():
    with pytest.raises(InputError, match="no Chinese text"):
        build_document(["", "  "], "zh")


# --- quotations -----------------------------------------------------------------

def _states(lines: list[str], lang: str) -> list[bool]:
    return quote_states(build_document(lines, lang, presplit=True))


def test_english_quotations_across_sentences_and_apostrophes():
    lines = [
        "'Why, he's just another scavenger like me!' thought the boy.",  # closed in its sentence
        "His thoughts ran on: 'What a fool I was!",  # opened, still open
        "I should have filled the boys' pockets.",  # possessive: no mark
        "They wouldn't miss a thing like that!'",  # closed after punctuation
        "They called it the 'Forbidden City' then.",  # a quoted phrase closes after a word
        'She heard a series of "okay"s around her.',  # double quote glued to a word
        "\u201cWell?",  # curly opening quote
        "Had enough?\u201d he asked.",
    ]
    assert _states(lines, "en") == [False, True, True, False, False, False, True, False]


def test_english_quotation_inside_a_quotation():
    lines = [
        "'It's all empty show, really.",
        'You know what they say: "Even the Emperor has poor relations."',  # the inner one closes
        "It would be strange indeed if we didn't have a few!'",
        '"He called it \'the old place\' and left."',  # American order
        "'Come in.",  # left open...
        "'Sit down,' she said.",  # ...a new quotation replaces it, and closes
    ]
    assert _states(lines, "en") == [True, True, False, False, True, False]


def test_chinese_quotations_reopened_and_nested():
    lines = [
        "海老公沉声道：“好你个屁！",
        "快进来！”",
        "他道：“这‘长安’城中遍地是钱。",  # inner quote closed, outer still open
        "“我们走罢。",  # reopened without closing: still one quotation
        "走了。”",
        "「好。",  # corner brackets (Traditional)
        "『不錯』，走罷。」",
    ]
    assert _states(lines, "zh") == [True, False, True, True, False, True, False]


def test_every_paragraph_starts_outside_a_quotation():
    doc = build_document(["He said: 'Come in.", "", "Nothing else."], "en", presplit=True)
    assert quote_states(doc) == [True, False]


def test_translations_end_quotations_together(mac_dev):
    """On MAC-Dev's gold beads a bead nearly never ends inside an English
    quotation while the Chinese one is closed, though many end inside both."""
    import json
    both = en_only = total = 0
    for gold in sorted((mac_dev / "gold").glob("*.align")):
        zh = quote_states(build_document((mac_dev / "src" / gold.stem).read_text("utf-8").splitlines(), "zh",
                                         presplit=True))
        en = quote_states(build_document((mac_dev / "tgt" / gold.stem).read_text("utf-8").splitlines(), "en",
                                         presplit=True))
        i = j = 0
        for line in gold.read_text().splitlines():
            z, e = (json.loads(side) for side in line.split(":"))
            i, j = (z[-1] + 1 if z else i), (e[-1] + 1 if e else j)
            if i and j:
                total += 1
                both += zh[i - 1] and en[j - 1]
                en_only += en[j - 1] and not zh[i - 1]
    assert total > 1000
    assert both / total > 0.1
    assert en_only / total < 0.01


def test_clause_runs_are_every_run_of_up_to_three_clauses_but_the_whole():
    """A Chinese sentence cut at ，: its 4 clauses give 4 + 3 + 2 runs; an English
    one is also cut before a conjunction, not inside a figure (6,800)."""
    from align.text import clause_runs, clause_spans

    zh = "十五队的水是苦的，也没有菜吃，待久了也觉得没有啥，她说。"
    runs = clause_runs(zh, "zh")
    assert runs[:4] == ["十五队的水是苦的，", "十五队的水是苦的，也没有菜吃，",
                        "十五队的水是苦的，也没有菜吃，待久了也觉得没有啥，", "也没有菜吃，"]
    assert len(runs) == 9 and zh not in runs and "她说。" in runs
    en = "Shipments rose to 6,800 tonnes and prices fell, officials said."
    assert [en[a:b].strip() for a, b in clause_spans(en, "en")] == [
        "Shipments rose to 6,800 tonnes", "and prices fell,", "officials said."]
    assert clause_runs("One clause only.", "en") == []
