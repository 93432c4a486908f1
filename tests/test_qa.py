"""Translation QA (align/qa): number reading, the four checks on altered copies of
the seed, the registry, the outputs and the CLI's --checks / --fail-on."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from align.api import align_texts
from align.cli import main
from align.encoders import get_encoder
from align.errors import UsageError
from align.exporters import export
from align.models import Alignment, Finding
from align.qa import (
    CHECKS,
    Check,
    get_check,
    resolve_checks,
    run_checks,
    severity_at_least,
)
from align.qa.length import log_ratio, zh_units
from align.qa.names import missing_names
from align.qa.numbers import en_quantities, unmatched, zh_number, zh_quantities
from align.qa.untranslated import chinese_text, english_prose

# --- reading numbers ---------------------------------------------------------------


def reported(qs) -> list[float]:
    return [q.value for q in qs if q.reportable]


@pytest.mark.parametrize("text, values", [
    ("Out of total exports of 68 million tonnes", [68e6]),
    ("6,800 tonnes and 3.5 tonnes", [6800, 3.5]),
    ("gradually rising to 6-6.5 million tonnes", [6e6, 6.5e6]),
    ("a $2.4 billion deal", [2.4e9]),
    ("$5m and 3bn and 2 Million", [5e6, 3e9, 2e6]),
    ("80% of them, 80 percent, 80 per cent", [80, 80, 80]),
    ("The 69-year-old Tokayev took office in 2019", [69, 2019]),
    ("Thu, November 17, 2022", [17, 2022]),
    ("on 2022-11-17", [2022, 11, 17]),
    ("in the 1990s", [1990]),
    ("the 21st century", [21]),
    ("COVID-19, G20, F-16, 3D and 5G", []),
    ("one, two, half, doubled, first, twenty-one million", []),
    ("6. The Film Studio", []),
    ("a note[12] here", []),
])
def test_english_figures(text, values):
    assert reported(en_quantities(text)) == values


@pytest.mark.parametrize("text, value", [
    ("twenty-one", 21), ("three thousand five hundred", 3500), ("a million", 1e6),
    ("half", 0.5), ("doubled", 2), ("second-biggest", 2), ("in June", 6), ("November", 11),
])
def test_english_words_are_read_but_not_reported(text, value):
    qs = en_quantities(text)
    assert any(value in q.readings for q in qs)
    assert not reported(qs)


@pytest.mark.parametrize("text, values", [
    ("在每年 6,800 萬噸的總出口量中,有 5,300 萬噸", [68e6, 53e6]),
    ("逐漸增加到 600-650 萬噸", [6e6, 6.5e6]),
    ("可處理多達550萬噸的貨物", [5.5e6]),
    ("２０２２年１１月１７日", [2022, 11, 17]),
    ("24億美元", [2.4e9]),
    ("1.5亿", [1.5e8]),
    ("３千５百万", [3.5e7]),
    ("百分之八十", [80]),
    ("80％和80%", [80, 80]),
    ("振幅在百分之一至百分之五之間", [1, 5]),
    ("69 歲的Tokayev於 2019 年", [69, 2019]),
    ("二十一、三千五百、一些、十分、千萬、百分之百", []),
    ("COVID-19、5G網絡", []),
    ("6. 片厂", []),
])
def test_chinese_figures(text, values):
    assert reported(zh_quantities(text)) == values


@pytest.mark.parametrize("text, value", [
    ("二十一", 21), ("三千五百", 3500), ("一百零五", 105), ("十", 10), ("两千万", 2e7),
    ("二〇二二", 2022), ("6,800万", 6.8e7), ("1.5亿", 1.5e8), ("三千五百万", 3.5e7), ("十亿", 1e9),
])
def test_zh_number(text, value):
    assert zh_number(text) == value


@pytest.mark.parametrize("en, zh", [
    ("68 million tonnes", "6,800 萬噸"),
    ("53 million tonnes", "5,300 萬噸"),
    ("the target of 20 million tonnes", "2000 萬噸的目標"),
    ("an additional 1.5 million tonnes a year", "每年額外發送 150 萬噸"),
    ("rising to 6-6.5 million tonnes", "增加到 600-650 萬噸"),
    ("up to 5.5 million tonnes", "多達550萬噸"),
    ("about 10 million tonnes", "約 1,000 萬噸"),
    ("The 69-year-old Tokayev", "69 歲的Tokayev"),
    ("took office in 2019", "於 2019 年"),
    ("starting from 2023", "從 2023 年開始"),
    ("$2.4 billion", "24億美元"),
    ("November 17, 2022", "2022年11月17日"),
    ("80% of exports", "百分之八十的出口"),
    ("in June", "6 月"),
    ("in January", "在 1月"),
    ("between one and five percent", "百分之一至百分之五"),
    ("roughly half of its capacity, plus some 2 million", "大約是其產能的一半,另加有約 200 萬"),
    ("five former Soviet republics", "五個前蘇聯加盟共和國"),
    ("in the '90s", "90年代"),
    ("at 9 p.m.", "晚上21點"),
])
def test_equal_values_match(en, zh):
    assert unmatched(en, zh) == ([], [])


@pytest.mark.parametrize("en, zh, only_en, only_zh", [
    ("53 million tonnes", "5,400 萬噸", [53e6], [54e6]),
    ("in 2019", "於 2020 年", [2019], [2020]),
    ("about 10 million tonnes", "約 100 萬噸", [10e6], [1e6]),
    ("the target", "2,000 萬噸的目標", [], [2e7]),
])
def test_different_values_are_unmatched(en, zh, only_en, only_zh):
    e, z = unmatched(en, zh)
    assert ([q.value for q in e], [q.value for q in z]) == (only_en, only_zh)


# --- names, untranslated, length: the text functions -----------------------------


@pytest.mark.parametrize("zh, en, missing", [
    ("Tokayev 還呼籲", "Tokayev has also called", []),
    ("KazMunayGaz 首席執行官", "the firm KazMunay Gaz", []),
    ("毫無疑問,Kassym-Jomart Tokayev", "Kassym Jomart Tokayev", []),
    ("依賴 Caspian Pipeline Consortium (CPC)", "the Caspian Pipeline Consortium (CPC)", []),
    ("CPC管道", "the Caspian Pipeline Consortium pipeline", []),
    ("GDP增長 5 km", "economic output grew", []),
    ("法國 TotalEnergies 的分公司", "the unit of France's oil major", ["TotalEnergies"]),
    ("通過 BTC 管道", "via the pipeline", ["BTC"]),
])
def test_missing_names(zh, en, missing):
    assert missing_names(zh, en) == missing


@pytest.mark.parametrize("text, prose", [
    ("Tokayev has also called for oil storage facilities to be built on the Caspian coast.", True),
    ("Tokayev 還呼籲在裏海沿岸建造儲油設施。", False),
    ("哈薩克斯坦目前嚴重依賴 Caspian Pipeline Consortium (CPC),這是世界上最大的管道之一。", False),
    ("Caspian Pipeline Consortium CPC BTC TotalEnergies", False),
])
def test_english_prose_in_chinese(text, prose):
    assert english_prose(text) is prose


@pytest.mark.parametrize("text, chinese", [
    ("Tokayev 還呼籲在裏海沿岸建造儲油設施,以防止管道中斷。", True),
    ("The Chinese word 石油 means oil.", False),
])
def test_chinese_in_english(text, chinese):
    assert chinese_text(text) is chinese


def test_length_units():
    assert zh_units("Tokayev 還呼籲 2,000 萬") == 4 + 2
    assert log_ratio("一二三四", "one two") == pytest.approx(0.6931, abs=1e-4)


# --- the checks on the seed and altered copies -----------------------------------

SEED_MIXED = Path(__file__).resolve().parent.parent / "seeds" / "000_f1284998f700f5c0.txt"
_LINES = SEED_MIXED.read_text(encoding="utf-8").splitlines()
EN_LINES = list(range(6, 36))
ZH_LINES = [n for n in range(41, 76) if n not in (48, 54, 56, 72, 74)]


@pytest.fixture(scope="session")
def encoder():
    return get_encoder(cache=False)


def align_seed(encoder, en_edit: dict[int, str] | None = None,
               zh_edit: dict[int, str] | None = None) -> Alignment:
    """Align seed lines, some replaced; other lines are left blank so that line
    numbers in the result are the seed's."""
    def text(numbers: list[int], edit: dict[int, str] | None) -> str:
        return "\n".join((edit or {}).get(n, _LINES[n - 1]) if n in numbers else ""
                         for n in range(1, numbers[-1] + 1))
    return align_texts(text(EN_LINES, en_edit), text(ZH_LINES, zh_edit), encoder=encoder)


def line(n: int) -> str:
    return _LINES[n - 1]


@pytest.fixture(scope="session")
def seed_result(encoder) -> Alignment:
    return align_seed(encoder)


def of(result: Alignment, check: str) -> list[Finding]:
    return [f for f in result.findings if f.check == check]


def test_seed_has_no_number_finding(seed_result):
    assert seed_result.settings["checks"] == list(CHECKS)
    assert of(seed_result, "numbers") == []
    assert of(seed_result, "untranslated") == []
    assert of(seed_result, "length") == []
    # Line 75 says "CPC管道" where the English says "The pipeline": the one name finding.
    assert [(f.zh_line, f.message) for f in of(seed_result, "names")] == [
        (75, "not in the English: CPC")]


@pytest.mark.parametrize("side, n, old, new, en_text, zh_text", [
    ("zh", 47, "5,300 萬噸", "5,400 萬噸", "53 million", "5,400 萬"),
    ("en", 19, "1.5 million", "2.5 million", "2.5 million", "150 萬"),
    ("en", 10, "in 2019", "in 2018", "2018", "2019"),
])
def test_changed_number(encoder, side, n, old, new, en_text, zh_text):
    assert old in line(n)
    edit = {n: line(n).replace(old, new)}
    result = align_seed(encoder, *((edit, None) if side == "en" else (None, edit)))
    (finding,) = of(result, "numbers")
    assert finding.severity == "error"
    assert en_text in finding.message and zh_text in finding.message
    assert (finding.en_line if side == "en" else finding.zh_line) == n


@pytest.mark.parametrize("n, old, new, name", [
    (14, "state oil firm KazMunayGaz said", "state oil firm said", "KazMunayGaz"),
    (19, "Smailov said last week", "The prime minister said last week", "Smailov"),
    (21, "Chevron-led Tengizchevroil", "a Chevron-led venture", "Tengizchevroil"),
])
def test_dropped_name(encoder, seed_result, n, old, new, name):
    assert old in line(n)
    result = align_seed(encoder, en_edit={n: line(n).replace(old, new)})
    found = [f for f in of(result, "names") if name in f.message]
    assert len(found) == 1 and found[0].severity == "warning"
    assert len(of(result, "names")) == len(of(seed_result, "names")) + 1


def test_english_left_in_chinese(encoder):
    result = align_seed(encoder, zh_edit={62: line(24)})
    (finding,) = of(result, "untranslated")
    assert finding.zh_line == 62 and "English prose" in finding.message
    assert of(result, "names") == of(align_seed(encoder), "names")  # prose is not a name list


def test_chinese_left_in_english(encoder):
    result = align_seed(encoder, en_edit={24: line(62)})
    (finding,) = of(result, "untranslated")
    assert finding.en_line == 24 and "Chinese text" in finding.message


@pytest.mark.parametrize("n", [41, 43, 66])
def test_half_deleted_paragraph(encoder, n):
    text = line(n)
    result = align_seed(encoder, zh_edit={n: text[:len(text) // 2].rstrip(",、 ") + "。"})
    (finding,) = of(result, "length")
    assert finding.zh_line == n and finding.severity == "warning"
    assert "Chinese is short" in finding.message and "z = -" in finding.message
    assert not result.gaps


# --- registry, library, outputs, CLI -------------------------------------------------


def test_registry():
    for name in CHECKS:
        check = get_check(name)
        assert isinstance(check, Check) and check.name == name and check.description
    assert resolve_checks(None) == list(CHECKS)
    assert resolve_checks("length, numbers") == ["numbers", "length"]
    assert resolve_checks("none") == [] and resolve_checks([]) == []
    with pytest.raises(UsageError, match="numbers, names, untranslated, length"):
        resolve_checks("numbers,spelling")


def test_severity_order():
    assert severity_at_least("error", "warning") and not severity_at_least("info", "warning")
    assert not severity_at_least("error", "none")


def test_checks_chosen_and_recorded(encoder):
    result = align_texts(line(10), line(45), encoder=encoder, checks=["length"])
    assert result.settings["checks"] == ["length"] and result.findings == []
    assert run_checks(result, ["numbers"]) == []
    with pytest.raises(UsageError):
        align_texts(line(10), line(45), encoder=encoder, checks=["spelling"])


def test_findings_in_json_and_html(encoder, tmp_path):
    result = align_seed(encoder, zh_edit={47: line(47).replace("5,300 萬噸", "5,400 萬噸")})
    export(result, tmp_path / "r.json", "json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [f["check"] for f in data["findings"]].count("numbers") == 1
    export(result, tmp_path / "r.html", "html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<b>numbers</b> only in English: 53 million (= 53,000,000); only in Chinese: 5,400 萬" in page


def test_cli_checks_and_fail_on(seed_result, monkeypatch, tmp_path, capsys):
    calls = []
    warning = Finding("names", 3, 9, 44, "not in the English: BTC", "warning")

    def fake(first, second=None, **kwargs):
        calls.append(kwargs)
        return replace(seed_result, gaps=[], findings=[warning])

    monkeypatch.setattr("align.api.align_files", fake)
    assert main(["check", "en.txt", "zh.txt", "--checks", "names,numbers"]) == 0  # default: error
    assert calls[-1]["checks"] == ["numbers", "names"]
    out = capsys.readouterr().out
    assert "Findings in aligned pairs" in out and "not in the English: BTC" in out
    assert "findings: 1 (1 warning)" in out
    assert main(["check", "en.txt", "zh.txt", "--fail-on", "warning"]) == 1
    assert calls[-1]["checks"] == list(CHECKS)
    assert main(["check", "en.txt", "--fail-on", "info", "-q"]) == 1
    assert main(["check", "en.txt", "--fail-on", "none"]) == 0
    assert main(["check", "en.txt", "--checks", "spelling"]) == 2
    assert main(["check", "en.txt", "--fail-on", "fatal"]) == 2
