"""A reviewer's corrections: the saved JSON, ``align export``, XLSX, ``--resume-review``.

The corrections are made on the seed's real alignment (English article and
Traditional-Chinese translation), as the review page makes them: a merged
pair, a dismissed gap, a confirmed pair and finding.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from align.cli import main
from align.exporters import export, from_dict, to_dict
from align.models import Bead, Review
from align.review import check_partition, merge_kept, read_result, refresh_gaps, resume_review

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"
TMX_DTD = ROOT / "data" / "tmx14.dtd"
TENFOLD = "雖然沒有什麼可以取代這一數量"
# A Chinese sentence of the seed (line 58), and a rewording a translator might make.
CHANGED_ZH = ("他沒有詳細說明目標是如何去實現的。", "他沒有說明這個目標要怎樣實現。")


@pytest.fixture(scope="module")
def seed():
    from align.api import align_files

    return align_files(SEED)


def _first_pairs(a) -> int:
    """Index of the first of two neighbouring 1-1 pairs."""
    beads = a.sentence_beads
    return next(k for k, b in enumerate(beads) if b.kind == "1-1" and beads[k + 1].kind == "1-1")


def _bead_with_zh(a, text: str) -> int:
    return next(k for k, b in enumerate(a.sentence_beads)
                if any(a.zh.sentences[i].text.startswith(text) for i in b.zh))


def corrected(a):
    """The seed's result as a reviewer saves it: a merge, a confirmed pair, a dismissed gap."""
    beads = list(a.sentence_beads)
    k = _first_pairs(a)
    merged = Bead(beads[k].en + beads[k + 1].en, beads[k].zh + beads[k + 1].zh,
                  beads[k].score, Review("edited"))
    beads[k:k + 2] = [merged]
    sure = _bead_with_zh(replace(a, sentence_beads=beads), CHANGED_ZH[0])
    beads[sure] = replace(beads[sure], review=Review("confirmed", "checked"))
    gaps = [replace(g, review=Review("dismissed", "a summary line")) if TENFOLD in g.text else g
            for g in a.gaps]
    findings = [replace(f, bead=f.bead - 1 if f.bead > k else f.bead, review=Review("confirmed"))
                for f in a.findings]
    return replace(a, sentence_beads=beads, gaps=gaps, findings=findings)


def tmx_units(path: Path) -> list[tuple[str, str, str | None]]:
    tree = etree.parse(str(path))
    assert etree.DTD(str(TMX_DTD)).validate(tree)
    return [(tu.findtext("tuv[1]/seg"), tu.findtext("tuv[2]/seg"),
             tu.findtext("prop[@type='x-reviewed']")) for tu in tree.iter("tu")]


def test_review_flags_round_trip_through_the_json_result(seed):
    fixed = corrected(seed)
    data = to_dict(fixed)
    assert to_dict(from_dict(json.loads(json.dumps(data)))) == data
    edited = [b for b in data["sentence_beads"] if b.get("reviewed")]
    assert [(b["bead"], b["status"]) for b in edited] == [("2-2", "edited"), ("1-1", "confirmed")]
    assert edited[1]["comment"] == "checked"
    (gap,) = [g for g in data["gaps"] if g.get("reviewed")]
    assert TENFOLD in gap["text"] and gap["status"] == "dismissed"
    # Without review the result is as before: no review keys at all.
    assert not any("reviewed" in b for b in to_dict(seed)["sentence_beads"])


def test_export_writes_the_corrected_pairs_with_x_reviewed(seed, tmp_path):
    fixed = corrected(seed)
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(to_dict(fixed), ensure_ascii=False), encoding="utf-8")
    assert main(["export", str(path), "-o", str(tmp_path / "pairs.tmx")]) == 0
    units = tmx_units(tmp_path / "pairs.tmx")
    en, zh = seed.en.sentences, seed.zh.sentences
    want = [(" ".join(en[i].text for i in b.en), "".join(zh[i].text for i in b.zh),
             b.review.status if b.review else None) for b in fixed.sentence_beads if not b.is_gap]
    assert units == want
    assert [u[2] for u in units if u[2]] == ["edited", "confirmed"]
    assert len(units) == sum(not b.is_gap for b in seed.sentence_beads) - 1


def test_export_refuses_beads_that_lose_a_sentence(seed, tmp_path, capsys):
    data = to_dict(seed)
    data["sentence_beads"][7]["en"] = []  # its English sentence is now in no bead
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["export", str(path), "-o", str(tmp_path / "x.tmx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("align: error:") and "en sentence once in order" in err
    assert "\n" not in err and not (tmp_path / "x.tmx").exists()


def test_refresh_gaps_after_unlinking_a_pair(seed):
    k = _first_pairs(seed)
    b = seed.sentence_beads[k]
    beads = [*seed.sentence_beads[:k], Bead(b.en, ()), Bead((), b.zh), *seed.sentence_beads[k + 1:]]
    unlinked = replace(seed, sentence_beads=beads)
    check_partition(unlinked)
    gaps = refresh_gaps(unlinked, seed.gaps, review=Review("confirmed"))
    new = [g for g in gaps if g not in seed.gaps]
    assert [(g.only_in, g.sentences, g.confidence) for g in new] == [("en", b.en, 1.0), ("zh", b.zh, 1.0)]
    assert all(g.review == Review("confirmed") for g in new)
    assert [g for g in gaps if g in seed.gaps] == seed.gaps  # the old gaps all still hold


def _partition(draw, n_en: int, n_zh: int) -> list[Bead]:
    """A random monotone partition of n_en and n_zh units into beads."""
    beads, i, j = [], 0, 0
    while i < n_en or j < n_zh:
        a = draw(st.integers(0, min(2, n_en - i)))
        b = draw(st.integers(0 if a else 1, min(2, n_zh - j))) if j < n_zh else 0
        if a == 0 and b == 0:
            a = 1
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), 0.5))
        i, j = i + a, j + b
    return beads


@st.composite
def _two_alignments(draw):
    n_en, n_zh = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    old, new = _partition(draw, n_en, n_zh), _partition(draw, n_en, n_zh)
    kept = [b for b in old if draw(st.booleans())]
    return n_en, n_zh, kept, new


@settings(max_examples=300, deadline=None)
@given(_two_alignments())
def test_merge_kept_keeps_every_unit_once_in_order(case):
    """Property: imposing any reviewed beads on any fresh alignment is still a partition."""
    n_en, n_zh, kept, fresh = case
    out = merge_kept(kept, fresh)
    assert [i for b in out for i in b.en] == list(range(n_en))
    assert [i for b in out for i in b.zh] == list(range(n_zh))
    assert all(b.en or b.zh for b in out)
    assert all(b in out for b in kept)


def test_resume_review_keeps_decisions_for_unchanged_units(seed, tmp_path):
    fixed = corrected(seed)
    saved = tmp_path / "corrected.json"
    saved.write_text(json.dumps(to_dict(fixed), ensure_ascii=False), encoding="utf-8")
    text = SEED.read_text(encoding="utf-8")
    assert text.count(CHANGED_ZH[0]) == 1
    edited = tmp_path / "seed-fixed.txt"
    edited.write_text(text.replace(*CHANGED_ZH), encoding="utf-8")
    out = tmp_path / "resumed.json"
    code = main(["check", "--resume-review", str(saved), str(edited), "--json", str(out), "-q"])
    assert code == 1  # gaps remain (the dismissed one does not count, the others do)
    data = json.loads(out.read_text(encoding="utf-8"))
    resumed = from_dict(data)
    zh = [s.text for s in resumed.zh.sentences]
    merged = fixed.sentence_beads[_first_pairs(seed)]
    kept = [b for b in resumed.sentence_beads if b.review]
    assert [(b.en, b.zh, b.review.status) for b in kept] == [(merged.en, merged.zh, "edited")]
    # The pair whose Chinese changed lost its "confirmed": the reviewer has not seen the new text.
    changed = next(b for b in resumed.sentence_beads if any(zh[i] == CHANGED_ZH[1] for i in b.zh))
    assert changed.review is None
    (dismissed,) = [g for g in resumed.gaps if g.review]
    assert TENFOLD in dismissed.text and dismissed.review == Review("dismissed", "a summary line")
    # Findings the reviewer confirmed keep the decision (new findings, if any, have none).
    confirmed = {(f.check, f.message) for f in fixed.findings if f.review == Review("confirmed")}
    carried = [f for f in resumed.findings if (f.check, f.message) in confirmed]
    assert carried and all(f.review == Review("confirmed") for f in carried)


def test_resume_review_of_an_unchanged_text_keeps_everything(seed):
    fixed = corrected(seed)
    again = resume_review(fixed, seed)
    assert again.sentence_beads == fixed.sentence_beads
    assert [b.review for b in again.sentence_beads] == [b.review for b in fixed.sentence_beads]
    assert [g.review for g in again.gaps if g.review] == [Review("dismissed", "a summary line")]


# --- XLSX -------------------------------------------------------------------------

def test_xlsx_rows_colours_and_frozen_header(seed, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    fixed = corrected(seed)
    path = tmp_path / "pairs.xlsx"
    assert main(["export", _saved(fixed, tmp_path), "-o", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    sheet = book["alignment"]
    head = [c.value for c in sheet[1]]
    assert head[:9] == ["#", "English lines", "Chinese lines", "English", "Chinese", "score",
                        "bead", "gap / finding", "confidence"]
    assert sheet.freeze_panes == "A2" and sheet[1][0].font.bold
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(fixed.sentence_beads)
    for row, bead in zip(rows, fixed.sentence_beads, strict=True):
        values = {name: cell.value for name, cell in zip(head, row, strict=True)}
        fill = row[3].fill.fgColor.rgb if row[3].fill.fill_type == "solid" else None
        if bead.is_gap:
            lang = "en" if bead.en else "zh"
            assert values["gap / finding"] == ("English only" if bead.en else "Chinese only")
            assert fill == {"en": "FFFFF3DC", "zh": "FFECEBFF"}[lang] and values["score"] is None
        else:
            assert values["bead"] == bead.kind and values["score"] == round(bead.score, 4)
    tenfold = next(r for r in rows if TENFOLD in (r[4].value or ""))
    assert tenfold[0].value and "48" in str(tenfold[2].value)
    assert tenfold[head.index("reviewed")].value == "dismissed"
    merged = rows[_first_pairs(seed)]
    assert merged[3].value.count("\n") == 1 and merged[head.index("reviewed")].value == "edited"


def test_xlsx_round_trips_to_the_same_pairs(seed, tmp_path):
    pytest.importorskip("openpyxl")
    fixed = corrected(seed)
    assert main(["export", _saved(fixed, tmp_path), "-o", str(tmp_path / "a.xlsx")]) == 0
    assert main(["export", str(tmp_path / "a.xlsx"), "-o", str(tmp_path / "from-xlsx.tmx")]) == 0
    export(fixed, tmp_path / "direct.tmx")
    assert tmx_units(tmp_path / "from-xlsx.tmx") == tmx_units(tmp_path / "direct.tmx")
    lines = "prop[@type='x-en-line']"
    assert ([t.findtext(lines) for t in etree.parse(str(tmp_path / "from-xlsx.tmx")).iter("tu")]
            == [t.findtext(lines) for t in etree.parse(str(tmp_path / "direct.tmx")).iter("tu")])
    back = read_result(tmp_path / "a.xlsx")
    assert [f.message for f in back.findings] == [f.message for f in fixed.findings]


def test_xlsx_edited_by_a_reviewer(seed, tmp_path):
    """A reviewer moves the tenfold sentence into the pair above and marks it reviewed."""
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "a.xlsx"
    export(seed, path)
    book = openpyxl.load_workbook(path)
    sheet = book["alignment"]
    rows = list(sheet.iter_rows(min_row=2))
    k = next(i for i, r in enumerate(rows) if TENFOLD in (r[4].value or ""))
    above = rows[k - 1]
    above[4].value = above[4].value + "\n" + rows[k][4].value
    rows[k][4].value = None
    above[10].value = "yes"
    book.save(path)
    assert main(["export", str(path), "-o", str(tmp_path / "out.tmx")]) == 0
    units = tmx_units(tmp_path / "out.tmx")
    reviewed = [u for u in units if u[2]]
    assert len(reviewed) == 1 and TENFOLD in reviewed[0][1] and reviewed[0][2] == "confirmed"
    assert len(units) == sum(not b.is_gap for b in seed.sentence_beads)


def _saved(alignment, tmp_path: Path) -> str:
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(to_dict(alignment), ensure_ascii=False), encoding="utf-8")
    return str(path)
