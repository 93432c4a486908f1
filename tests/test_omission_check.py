"""The omission check (align/qa/omission.py) on real sentence pairs of the seed:
a dropped clause is found with its span, reordered clauses are not flagged, a
dropped figure is reported once, and the span reaches every output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from align.api import align_texts
from align.encoders import get_encoder
from align.exporters import export
from align.qa.omission import align_sides, en_clauses, find_omissions, zh_clauses

SEED_MIXED = Path(__file__).resolve().parent.parent / "seeds" / "000_f1284998f700f5c0.txt"
_LINES = SEED_MIXED.read_text(encoding="utf-8").splitlines()


def line(n: int) -> str:
    return _LINES[n - 1]


@pytest.fixture(scope="session")
def encoder():
    return get_encoder(cache=False)


# --- clauses and word alignment ------------------------------------------------------


@pytest.mark.parametrize("text, lang, pieces", [
    ("Amid popular demand for sweeping change, he has recently accelerated plans",
     "en", ["Amid popular demand for sweeping change, ", "he has recently accelerated plans"]),
    ("Out of total exports of 68 million tonnes a year, 53 million tonnes move",
     "en", ["Out of total exports of 68 million tonnes a year, ", "53 million tonnes move"]),
    ("pushed back publicly, souring relations between the republic and Moscow.",
     "en", ["pushed back publicly, ", "souring relations between the republic ", "and Moscow."]),
    ("在普遍要求徹底改變的情況下,他最近加快了計劃,避開了北部的俄羅斯。",
     "zh", ["在普遍要求徹底改變的情況下,", "他最近加快了計劃,", "避開了北部的俄羅斯。"]),
    ("好的、便宜的、有效的東西", "zh", ["好的、", "便宜的、", "有效的東西"]),
])
def test_clauses(text, lang, pieces):
    clauses = en_clauses(text) if lang == "en" else zh_clauses(text)
    assert [c.text for c in clauses] == pieces
    assert all(text[c.start:c.end] == c.text for c in clauses)


def test_words_of_a_faithful_pair_are_matched():
    en, zh = align_sides(line(11), line(46))
    for side in (en, zh):
        units = sum(len(m) for m in side.matched)
        assert sum(sum(m) for m in side.matched) >= 0.6 * units


# --- the findings ------------------------------------------------------------------


@pytest.mark.parametrize("en_n, zh_n, dropped, span", [
    (11, 46, ",避開了北部的俄羅斯", "avoiding Russia to the north"),
    (19, 57, ",逐漸增加到 600-650 萬噸", "gradually rising to 6-6.5 million tonnes"),
])
def test_dropped_clause_found_with_its_span(encoder, en_n, zh_n, dropped, span):
    en, zh = line(en_n), line(zh_n)
    assert dropped in zh
    assert find_omissions(en, zh, encoder) == []  # the faithful pair
    (found,) = find_omissions(en, zh.replace(dropped, ""), encoder)
    assert found.only_in == "en" and found.text == span
    assert en[found.start:found.end] == span


@pytest.mark.parametrize("en_n, zh_n, lang, extra, before", [
    # a clause of the seed's line 9 put into line 57, one of line 30 into line 11
    (19, 57, "zh", "並引發了俄羅斯媒體中一些支持戰爭的評論員的憤怒威嚇", "逐漸"),
    (11, 46, "en", "who declined to be named to discuss sensitive political issues", "he has"),
])
def test_inserted_clause_found_with_its_span(encoder, en_n, zh_n, lang, extra, before):
    en, zh = line(en_n), line(zh_n)
    text = en if lang == "en" else zh
    at = text.index(before)
    text = text[:at] + extra + ("," if lang == "zh" else ", ") + text[at:]
    found = find_omissions(text, zh, encoder) if lang == "en" else find_omissions(en, text, encoder)
    assert [(o.only_in, o.start, o.end) for o in found] == [(lang, at, at + len(extra))]


@pytest.mark.parametrize("en_n, zh_n", [
    (30, 68),  # "after he split from ... Nazarbayev" comes first in the Chinese
    (13, 49),  # "..., Smailov told reporters" becomes "Smailov 告訴記者: ..."
    (8, 43),   # the June forum opens both, the order inside it differs
])
def test_reordered_clauses_are_not_flagged(encoder, en_n, zh_n):
    assert find_omissions(line(en_n), line(zh_n), encoder) == []


def test_dropped_number_found_once(encoder):
    en, zh = line(19), line(57)
    dropped = ",逐漸增加到 600-650 萬噸"
    assert dropped in zh
    result = align_texts(en, zh.replace(dropped, ""), encoder=encoder,
                         checks=["numbers", "omission"])
    (finding,) = result.findings  # not also a "numbers" finding
    assert finding.check == "omission" and finding.severity == "error"
    assert finding.only_in == "en" and "6-6.5 million" in finding.span_text
    assert "includes the figure" in finding.message
    alone = align_texts(en, zh.replace(dropped, ""), encoder=encoder, checks=["numbers"])
    assert [f.check for f in alone.findings] == ["numbers"]


def test_span_in_json_html_and_tmx(encoder, tmp_path):
    en, zh = line(11), line(46).replace(",避開了北部的俄羅斯", "")
    result = align_texts(en, zh, encoder=encoder)
    (finding,) = [f for f in result.findings if f.check == "omission"]
    assert finding.en_line == 1 and finding.only_in == "en"
    export(result, tmp_path / "r.json", "json")
    (data,) = [f for f in json.loads((tmp_path / "r.json").read_text())["findings"]
               if f["check"] == "omission"]
    start, end = data["span"]
    assert data["only_in"] == "en" and en[start:end] == data["span_text"] == "avoiding Russia to the north"
    assert 0 < data["confidence"] <= 1
    export(result, tmp_path / "r.html", "html")
    page = (tmp_path / "r.html").read_text()
    assert '<mark class="omission" title="not in the other text">avoiding Russia to the north</mark>' in page
    export(result, tmp_path / "r.tmx", "tmx")
    props = [p.text for p in ET.parse(tmp_path / "r.tmx").iter("prop") if p.get("type") == "x-omission"]
    assert props == ["en: avoiding Russia to the north"]
