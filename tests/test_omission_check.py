"""The omission check (align/qa/omission.py) on real sentence pairs of the seed:
a dropped clause is found with its span, reordered clauses are not flagged, a
dropped figure is reported once, and the span reaches every output."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from align.api import align_texts
from align.encoders import get_encoder
from align.exporters import export
from align.lexical import glosses
from align.qa.omission import (
    CAP,
    FEATURES,
    Trees,
    _Words,
    align_sides,
    candidates,
    document_cutoff,
    en_clauses,
    find_omissions,
    inner_candidates,
    mainland,
    model,
    score_candidates,
    whole_side,
    zh_clauses,
    zh_glosses,
)

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
    # a conjunction opens a Chinese clause without a comma (maint-guide, upload)
    ("如果你在 debian/changelog 建立了多個條目並跳過了上傳，你必須建立一個相應的檔案",
     "zh", ["如果你在 debian/changelog 建立了多個條目", "並跳過了上傳，", "你必須建立一個相應的檔案"]),
])
def test_clauses(text, lang, pieces):
    clauses = en_clauses(text) if lang == "en" else zh_clauses(text)
    assert [c.text for c in clauses] == pieces
    assert all(text[c.start:c.end] == c.text for c in clauses)


@pytest.mark.parametrize("en_n, zh_n, lang, dropped, counterpart", [
    # the counterpart's words (Kazakhstan, Russia, Moscow, crude) recur in the bead:
    # each occurrence on the other side stands for one, in the clause that matches best
    (8, 43, "en", " and that Kazakhstan upheld the inviolability of internationally recognized borders",
     "哈薩克斯坦維護國際公認邊界的不可侵犯性。"),
    (28, 66, "en", "Central Asia's five former Soviet republics have increasingly been standing up to Moscow, ",
     "越來越多地反對莫斯科,"),
    (25, 63, "zh", ",另加有約 200 萬噸哈薩克斯坦原油", "plus some 2 million tonnes of Kazakh crude."),
])
def test_a_repeated_word_is_matched_once(en_n, zh_n, lang, dropped, counterpart):
    en, zh = line(en_n), line(zh_n)
    assert dropped in (en if lang == "en" else zh)
    en, zh = (en.replace(dropped, ""), zh) if lang == "en" else (en, zh.replace(dropped, ""))
    sides = align_sides(en, zh)
    other = sides[1] if lang == "en" else sides[0]
    (matched,) = [m for c, m in zip(other.clauses, other.matched, strict=True) if c.text.strip() == counterpart]
    assert matched and not any(matched)
    rest = [u for c, m in zip(other.clauses, other.matched, strict=True) if c.text.strip() != counterpart
            for u in m]
    assert sum(rest) >= 0.5 * len(rest)


def test_conjunctions_are_not_content():
    (first, second, _) = zh_clauses("如果你在 debian/changelog 建立了多個條目並跳過了上傳，你必須建立一個相應的檔案")
    assert "如果" not in first.units and "并" not in second.units
    assert "条目" in first.units and "上传" in second.units


def test_a_repeated_word_goes_where_its_neighbours_are():
    # maint-guide (update): "source" twice in the English, 程式碼 once in the
    # Chinese, next to 上遊 as "source" is next to "upstream"
    en, _ = align_sides("If a patch you applied to the source conflicted with new changes in the upstream source,",
                        "如果你的補丁與上遊程式碼中的變更有衝突：")
    first, second = en.clauses[0], en.clauses[1]
    assert "source" in first.units and "source" in second.units
    assert dict(zip(second.units, en.matched[1], strict=True))["source"]
    assert not dict(zip(first.units, en.matched[0], strict=True))["source"]


def test_glosses_of_inner_words_and_compounds():
    assert {"maintain", "program"} <= zh_glosses("维护程序")  # jieba's one token, two dictionary words
    assert "subdirectory" in _Words({"directory"})  # 目录 = "directory"
    assert "codename" in _Words({"name"})
    assert "scope" not in _Words({"cope"})  # a compound's first part has 2 letters or more
    assert "used" in _Words({"use"}) and "based" in _Words({"base"})
    assert "user" not in _Words({"use"})


def test_taiwanese_words_find_the_mainland_entry():
    # t2s converts characters only: 檔案 -> 档案, whose CC-CEDICT senses lack
    # "document"; the mainland word (tw2sp: 文件) has it
    assert mainland("档案") == "文件" and mainland("程式") == "程序" and mainland("软体") == "软件"
    assert "document" not in glosses("档案") and "document" in zh_glosses("档案")
    _, zh = align_sides("Edit the document with a text editor.", "用文字編輯器編輯檔案。")
    (doc,) = [m for c, ms in zip(zh.clauses, zh.matched, strict=True)
              for u, m in zip(c.units, ms, strict=True) if u == "档案"]
    assert doc
    # a token is converted alone: the seed's 哈薩克斯坦 keeps its tokens
    units = [u for c in zh_clauses(line(46)) for u in c.units]
    assert "哈萨克斯坦" in units and not any("斯坦" in u and u != "哈萨克斯坦" for u in units)


def test_whole_side_against_a_near_empty_one(encoder):
    # the English keeps two words of the sentence: no candidate could leave a
    # rest on the Chinese side, so the Chinese is reported whole
    zh = line(46)
    (found,) = find_omissions("Avoiding Russia.", zh, encoder)
    assert found.whole and found.only_in == "zh" and found.start == 0
    assert found.end - found.start >= 0.6 * len(zh) and zh[found.start:found.end] == found.text
    # both sides short: nothing
    en_side, zh_side = align_sides("Kazakhstan.", "哈薩克斯坦。")
    assert whole_side(zh_side, en_side) is None and whole_side(en_side, zh_side) is None
    assert all(not o.whole for o in find_omissions(line(11), zh, encoder))


# Debian maint-guide (advanced.zh-cn): the translator explains "ld" in a note
_NOTE_EN = "Shared libraries are mainly used to share common codes among multiple executables with the ld mechanism."
_NOTE_ZH = "共享库主要用于在不同的二进制可执行程序之间共享代码，这背后使用了 ld （译注：链接）机制。"


def test_translator_note_is_not_content(encoder):
    units = [u for c in zh_clauses(_NOTE_ZH) for u in c.units]
    assert "链接" not in units and "共享" in units
    assert find_omissions(_NOTE_EN, _NOTE_ZH, encoder) == []


def test_words_of_a_faithful_pair_are_matched():
    en, zh = align_sides(line(11), line(46))
    for side in (en, zh):
        units = sum(len(m) for m in side.matched)
        assert sum(sum(m) for m in side.matched) >= 0.6 * units


# --- the findings ------------------------------------------------------------------


@pytest.mark.parametrize("en_n, zh_n, dropped, span", [
    (11, 46, ",避開了北部的俄羅斯", "avoiding Russia to the north"),
    (19, 57, ",逐漸增加到 600-650 萬噸", "gradually rising to 6-6.5 million tonnes"),
    # its words "Soviet", "republic", "Moscow" recur in the document
    (6, 41, ",使這前蘇聯共和國與莫斯科之間的關係惡化",
     "souring relations between the former Soviet republic and Moscow"),
])
def test_dropped_clause_found_with_its_span(encoder, en_n, zh_n, dropped, span):
    en, zh = line(en_n), line(zh_n)
    assert dropped in zh
    assert find_omissions(en, zh, encoder) == []  # the faithful pair
    (found,) = find_omissions(en, zh.replace(dropped, ""), encoder)
    assert found.only_in == "en" and found.text == span
    assert en[found.start:found.end] == span


def test_clause_dropped_from_the_english_found_in_the_chinese(encoder):
    en, zh = line(6), line(41)
    dropped = ", souring relations between the former Soviet republic and Moscow"
    assert dropped in en
    (found,) = find_omissions(en.replace(dropped, ""), zh, encoder)
    assert found.only_in == "zh" and found.text == "使這前蘇聯共和國與莫斯科之間的關係惡化"
    assert zh[found.start:found.end] == found.text


def test_english_clause_inside_a_chinese_clause_found(encoder):
    # Debian Reference, chapter 2: the Chinese renders "for which aptitude is
    # too high-level" inside its second clause, not as a clause of its own
    en = ("Here are list of other package management operations for which aptitude is too high-level "
          "or lacks required functionalities.")
    zh = "下面列出了一些其它的软件包管理操作，这些操作对于 aptitude 过于高级或缺失所需的功能。"
    assert find_omissions(en, zh, encoder) == []  # the faithful pair
    (found,) = find_omissions(en.replace("which aptitude is too high-level ", ""), zh, encoder)
    assert found.only_in == "zh" and found.inner
    assert "aptitude 过于高级" in found.text and "缺失" not in found.text
    assert zh.index("这些操作") < found.start and zh[found.start:found.end] == found.text
    assert inner_candidates(align_sides(en, zh)[0]) == []  # English clauses are cut finely already


def test_document_cap():
    # a free translation: 12 of 40 beads flagged; only the 2 most confident stay
    confidences = [0.99, 0.98] + [0.9] * 10
    cut = document_cutoff(confidences, 40)
    assert CAP == 0.05 and cut == 0.98
    assert [c for c in confidences if c >= cut] == [0.99, 0.98]
    assert document_cutoff([0.99, 0.9], 40) == 0.0  # a close one: 2 of 40, all kept
    assert document_cutoff([0.99] * 5, 10) == 0.0  # too short to have a norm


# --- the model ---------------------------------------------------------------------


def test_trees_go_left_at_or_below_the_threshold():
    # one tree of depth 2 in heap order: the root splits on feature 0 at 0.5,
    # its children on feature 1 at 0 (left) and at 1 (right)
    spec = {"features": ["a", "b"], "baseline": 0.0,
            "trees": [{"feature": [0, 1, 1], "threshold": [0.5, 0.0, 1.0], "leaf": [-2.0, -1.0, 1.0, 2.0]}]}
    trees = Trees.from_dict(spec)
    rows = [[0.5, 0.0], [0.5, 0.1], [0.6, 1.0], [0.6, 1.5], [-1.0, -1.0]]
    assert trees.raw(rows).tolist() == [-2.0, -1.0, 1.0, 2.0, -2.0]
    assert trees.proba([[0.6, 1.5]])[0] == pytest.approx(1 / (1 + math.exp(-2.0)))
    two = Trees.from_dict({**spec, "baseline": 0.5, "trees": spec["trees"] * 2})
    assert two.raw(rows).tolist() == [0.5 + 2 * v for v in trees.raw(rows).tolist()]


def test_shipped_model_is_monotone_in_gain(encoder):
    # the check embeds a candidate's rest only when the best gain could get it
    # reported, which is exact only if more gain never lowers the confidence
    assert model().features == FEATURES
    en, zh = line(19), line(57).replace(",逐漸增加到 600-650 萬噸", "")
    e, z = align_sides(en, zh)
    rows = [o.features for side, other in ((e, z), (z, e))
            for o in score_candidates(candidates(side), other, encoder, -0.9)]
    assert len(rows) >= 2
    gain = FEATURES.index("gain")
    grid = np.linspace(-1.5, 1.5, 61)
    for row in rows:
        swept = np.tile(np.asarray(row), (len(grid), 1))
        swept[:, gain] = grid
        p = model().proba(swept)
        assert np.all(np.diff(p) >= 0) and p[-1] > p[0]


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
