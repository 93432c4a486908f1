"""Bilingual files (issue 10): TMX, XLIFF 1.2/2.0 and TSV re-checked for empty
targets, wrong language, outlier pairs and duplicated sources; --realign."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import pytest
from conftest import SEED_MIXED

from align.bilingual import check_bilingual, read_units, robust_z
from align.cli import main

#: The planted problems, by 1-based unit number.
EMPTY, SWAPPED, ENGLISH = 4, (11, 12), 21
PLANTED = {("tm-empty", EMPTY), ("tm-outlier", SWAPPED[0]), ("tm-outlier", SWAPPED[1]),
           ("tm-language", ENGLISH)}


@pytest.fixture(scope="module")
def pairs():
    """The 1-1 sentence pairs of the seed, as the aligner finds them."""
    from align.api import align_files

    result = align_files(SEED_MIXED, checks=[])
    en, zh = result.en.sentences, result.zh.sentences
    return [(en[b.en[0]].text, zh[b.zh[0]].text) for b in result.sentence_beads
            if len(b.en) == 1 and len(b.zh) == 1]


def planted(pairs):
    units = [list(p) for p in pairs]
    units[EMPTY - 1][1] = "  "
    a, b = SWAPPED[0] - 1, SWAPPED[1] - 1
    units[a][1], units[b][1] = pairs[b][1], pairs[a][1]
    units[ENGLISH - 1][1] = pairs[ENGLISH - 1][0]  # target left in English
    return units


def tmx(units):
    tus = "".join(
        f'<tu tuid="t{i}"><tuv xml:lang="en"><seg>{escape(en)}</seg></tuv>'
        f'<tuv xml:lang="zh-TW"><seg>{escape(zh)}</seg></tuv></tu>\n'
        for i, (en, zh) in enumerate(units, start=1))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="en" '
            'datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="test" '
            f'creationtool="test" creationtoolversion="1"/>\n<body>\n{tus}</body></tmx>\n')


def xliff12(units):
    body = "".join(f'<trans-unit id="u{i}"><source>{escape(en)}</source>'
                   f'<target>{escape(zh)}</target></trans-unit>\n'
                   for i, (en, zh) in enumerate(units, start=1))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
            'xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a.txt" '
            f'source-language="en" target-language="zh-TW" datatype="plaintext"><body>\n{body}'
            "</body></file></xliff>\n")


def xliff20(units):
    body = "".join(f'<unit id="u{i}"><segment><source>{escape(en)}</source>'
                   f'<target>{escape(zh)}</target></segment></unit>\n'
                   for i, (en, zh) in enumerate(units, start=1))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="2.0" '
            'xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="en" trgLang="zh-TW">'
            f'<file id="f1">\n{body}</file></xliff>\n')


def _run(path, *args, tmp_path):
    out = tmp_path / "tm.json"
    code = main(["check", str(path), "--json", str(out), "--quiet", *args])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_clean_file_has_no_findings(pairs, tmp_path):
    path = tmp_path / "clean.tmx"
    path.write_text(tmx(pairs), encoding="utf-8")
    code, report = _run(path, tmp_path=tmp_path)
    assert (code, report["findings"]) == (0, [])
    assert report["units"] == len(pairs) >= 30


@pytest.mark.parametrize("name, write", [("memory.tmx", tmx), ("file.xlf", xliff12),
                                         ("file.xliff", xliff20)])
def test_planted_problems_are_exactly_the_findings(pairs, tmp_path, name, write):
    path = tmp_path / name
    path.write_text(write(planted(pairs)), encoding="utf-8")
    code, report = _run(path, tmp_path=tmp_path)
    assert code == 1
    assert {(f["check"], f["unit"]) for f in report["findings"]} == PLANTED
    by_unit = {f["unit"]: f for f in report["findings"]}
    assert by_unit[EMPTY]["severity"] == "error" and by_unit[EMPTY]["id"].endswith(str(EMPTY))
    assert "in English, not Chinese (a copy of the source)" in by_unit[ENGLISH]["message"]
    assert f"fits unit {SWAPPED[1]}" in by_unit[SWAPPED[0]]["message"]  # names the swap partner
    # The line is where the unit starts in the file (one unit per line after the header).
    lines = path.read_text(encoding="utf-8").split("\n")
    assert f'"{by_unit[EMPTY]["id"]}"' in lines[by_unit[EMPTY]["line"] - 1]


def test_tsv_languages_by_content_header_and_duplicates(pairs, tmp_path, capsys):
    rows = [(zh, en) for en, zh in pairs[:12]]  # Chinese first: detected from the text
    rows.append((pairs[2][1], pairs[5][0]))  # same source as unit 3, another target
    path = tmp_path / "pairs.tsv"
    path.write_text("src\ttgt\n" + "".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    fmt, units = read_units(path)
    assert fmt == "tsv" and (units[0].src_lang, units[0].tgt_lang, units[0].line) == ("zh", "en", 2)
    code, report = _run(path, tmp_path=tmp_path)
    duplicates = [f for f in report["findings"] if f["check"] == "tm-duplicate"]
    assert [(f["unit"], f["line"]) for f in duplicates] == [(13, 14)]
    assert "same source as unit 3" in duplicates[0]["message"]
    assert code == 0  # duplicates are warnings; --fail-on error
    assert main(["check", str(path), "--fail-on", "warning"]) == 1
    assert "tm-duplicate" in capsys.readouterr().out


def test_realign_repairs_broken_segmentation(pairs, tmp_path):
    """Units shifted by one (every target belongs to the next unit) realign cleanly."""
    rows = [(pairs[i][0], pairs[i + 1][1]) for i in range(14)]
    rows.insert(0, ("", pairs[0][1]))
    rows.append((pairs[14][0], ""))
    path = tmp_path / "shifted.tsv"
    path.write_text("".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    report = check_bilingual(path)
    assert sum(f.check == "tm-empty" for f in report.findings) == 2
    code, result = _run(path, "--realign", "--checks", "none", tmp_path=tmp_path)
    assert (code, result["gaps"]) == (0, [])
    one_to_one = [(b["en"], b["zh"]) for b in result["sentence_beads"] if b["en"] and b["zh"]]
    assert len(one_to_one) >= 14
    en_units = [s["location"] for p in result["en"]["paragraphs"] for s in p["sentences"]]
    zh_units = [s["location"] for p in result["zh"]["paragraphs"] for s in p["sentences"]]
    # English sentence of unit k pairs with the Chinese sentence of unit k - 1 (shifted back).
    assert all(int(en_units[e[0]].split()[1]) == int(zh_units[z[0]].split()[1]) + 1
               for e, z in one_to_one)


def test_bad_bilingual_files_are_clear_errors(tmp_path, capsys):
    bad = tmp_path / "bad.tmx"
    bad.write_text("<tmx><body><tu>", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    assert "bad.tmx is not well-formed XML" in capsys.readouterr().err
    one_column = tmp_path / "one.tsv"
    one_column.write_text("just one column\n", encoding="utf-8")
    assert main(["check", str(one_column)]) == 2
    assert "expected two tab-separated columns" in capsys.readouterr().err
    text = tmp_path / "a.txt"
    text.write_text("Hello there.\n你好。\n", encoding="utf-8")
    assert main(["check", str(text), "--realign"]) == 2
    assert "--realign needs one bilingual file" in capsys.readouterr().err


def test_robust_z_floors_the_mad():
    import numpy as np

    z = robust_z(np.array([0.5, 0.5, 0.5, 0.5, 0.4]))
    assert z[-1] == pytest.approx(0.6745 * -0.1 / 0.02)
