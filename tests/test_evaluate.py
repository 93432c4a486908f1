"""Scoring against gold beads: bead files, InterText, JSON results, metrics, CLI, bench."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from align.beadfile import format_beads, parse_beads, read_beads, read_intertext, read_result_json
from align.cli import main
from align.errors import InputError
from align.evaluate import Counts, evaluate, load_alignment, pair_files, pool, score
from align.models import Bead

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("strict", "mac", "lax", "null")
CHAPTERS = ["001", "002", "003", "004", "005", "006"]


# --- bead files -----------------------------------------------------------------

@pytest.mark.parametrize("line, bead", [
    ("[0,1]:[2]", ((0, 1), (2,))),
    ("[3]:[]", ((3,), ())),
    ("[]:[4]", ((), (4,))),
    ("  [ 0 , 1 ] : [ 2 ]  ", ((0, 1), (2,))),
    ("[0, 1]:[0]:0.214561", ((0, 1), (0,))),   # Vecalign's output, score dropped
    ("[7]:[8]:-1e-3", ((7,), (8,))),
    ("[]:[]", ((), ())),
])
def test_parse_beads_accepts(line, bead):
    assert parse_beads(line) == [bead]


@pytest.mark.parametrize("line", [
    "[0,1]-[2]", "[a]:[1]", "[0]:[1]:x", "[,]:[1]", "[0,]:[1]", "[-1]:[0]", "0:1", "[0]:[1]:[2]",
])
def test_parse_beads_rejects_with_line_number(line):
    with pytest.raises(InputError, match=r"^line 3: .*not a bead"):
        parse_beads(f"[0]:[0]\n\n{line}\n")


def test_parse_skips_blank_lines_and_format_is_inverse():
    beads = parse_beads("\n[0,1]:[0]\n   \n[2]:[]\r\n[]:[1]\n\n")
    assert beads == [((0, 1), (0,)), ((2,), ()), ((), (1,))]
    assert format_beads(beads) == "[0,1]:[0]\n[2]:[]\n[]:[1]\n"
    assert parse_beads(format_beads(beads)) == beads
    assert format_beads([]) == ""


def test_read_beads_round_trips_mac_dev(mac_dev):
    for path in sorted((mac_dev / "gold").glob("*.align")):
        text = path.read_text(encoding="utf-8")
        assert format_beads(read_beads(path)) == text.rstrip("\n") + "\n"


def test_read_beads_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.align"
    bad.write_text("[0]:[0]\n[1]:[1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.align: line 2: "):
        read_beads(bad)
    with pytest.raises(InputError, match="no such file"):
        read_beads(tmp_path / "missing.align")


# --- hand-computed scores -----------------------------------------------------------

GOLD = [((0,), (0,)), ((1,), (1, 2)), ((2,), ()), ((), (3,))]
# 4 gold beads, 2 of them null ([2]:[] and []:[3]), 2 with both sides non-empty.

# A: the 1-2 bead is split into [1]:[1] and []:[2].
SPLIT = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), ()), ((), (3,))]
# 5 test beads; identical to gold: [0]:[0], [2]:[], []:[3] -> 3 (2 of them null).
#   strict P = 3/5, R = 1/2 (only [0]:[0] of the 2 non-null gold beads), F1 = 2*.6*.5/1.1 = 6/11
#   mac    P = 3/5, R = 3/4, F1 = 2*.6*.75/1.35 = 2/3
#   lax    P = 4/5 ([1]:[1] shares 1|1 with [1]:[1,2]; []:[2] shares nothing with []:[3]),
#          R = 2/2, F1 = 2*.8/1.8 = 8/9
#   null   P = 2/3 (test nulls []:[2], [2]:[], []:[3]), R = 2/2
EXPECTED_SPLIT = {"strict": (3 / 5, 1 / 2, 6 / 11), "mac": (3 / 5, 3 / 4, 2 / 3),
                  "lax": (4 / 5, 1.0, 8 / 9), "null": (2 / 3, 1.0, 4 / 5)}

# B: the two 1-x beads are merged into [0,1]:[0,1,2].
MERGE = [((0, 1), (0, 1, 2)), ((2,), ()), ((), (3,))]
#   strict P = 2/3, R = 0/2, F1 = 0
#   mac    P = 2/3, R = 2/4, F1 = 2*(2/3)*(1/2)/(7/6) = 4/7
#   lax    P = 3/3, R = 2/2 (both gold beads share a sentence on each side with the merge), F1 = 1
#   null   P = 2/2, R = 2/2
EXPECTED_MERGE = {"strict": (2 / 3, 0.0, 0.0), "mac": (2 / 3, 1 / 2, 4 / 7),
                  "lax": (1.0, 1.0, 1.0), "null": (1.0, 1.0, 1.0)}

# C: a merge with a wrong boundary, the 1-2's last sentence left alone, the two nulls joined.
MIXED = [((0, 1), (0, 1)), ((), (2,)), ((2,), (3,))]
#   strict P = 0/3, R = 0/2; mac P = 0/3, R = 0/4 -> all 0
#   lax    P = 1/3 (only [0,1]:[0,1]; [2]:[3] has 2 and 3 in different gold beads),
#          R = 2/2, F1 = 2*(1/3)/(4/3) = 1/2
#   null   P = 0/1, R = 0/2
EXPECTED_MIXED = {"strict": (0.0, 0.0, 0.0), "mac": (0.0, 0.0, 0.0),
                  "lax": (1 / 3, 1.0, 1 / 2), "null": (0.0, 0.0, 0.0)}


def assert_scores(scores, expected):
    for metric, (p, r, f1) in expected.items():
        prf = getattr(scores, metric)
        got = (prf.precision, prf.recall, prf.f1)
        assert [x is None for x in got] == [x is None for x in (p, r, f1)], metric
        assert [x for x in got if x is not None] == pytest.approx(
            [x for x in (p, r, f1) if x is not None], abs=1e-12), metric


@pytest.mark.parametrize("test, expected", [
    (SPLIT, EXPECTED_SPLIT), (MERGE, EXPECTED_MERGE), (MIXED, EXPECTED_MIXED),
], ids=["split", "merge", "mixed"])
def test_hand_computed_perturbations(test, expected):
    assert_scores(score(GOLD, test), expected)


def test_pooling_sums_counts():
    pooled = pool([score(GOLD, SPLIT, name="a"), score(GOLD, MERGE, name="b")])
    assert pooled.name == "all"
    # strict: P = (3+2)/(5+3) = 5/8, R = (1+0)/(2+2) = 1/4, F1 = 2*(5/32)/(7/8) = 5/14
    #   (the mean of the two F1s would be (6/11 + 0)/2)
    # mac:    P = 5/8, R = (3+2)/(4+4) = 5/8, F1 = 5/8
    # lax:    P = (4+3)/(5+3) = 7/8, R = 4/4, F1 = 2*(7/8)/(15/8) = 14/15
    # null:   P = (2+2)/(3+2) = 4/5, R = 4/4, F1 = 8/9
    assert_scores(pooled, {"strict": (5 / 8, 1 / 4, 5 / 14), "mac": (5 / 8, 5 / 8, 5 / 8),
                           "lax": (7 / 8, 1.0, 14 / 15), "null": (4 / 5, 1.0, 8 / 9)})


def test_duplicates_and_empty_beads_are_ignored_and_order_does_not_matter():
    assert score(GOLD, [*reversed(SPLIT), SPLIT[0], ((), ())]).counts == score(GOLD, SPLIT).counts


def test_zero_denominators():
    empty = score(GOLD, [])
    assert_scores(empty, {"strict": (0.0, 0.0, 0.0), "mac": (0.0, 0.0, 0.0),
                          "lax": (0.0, 0.0, 0.0), "null": (None, 0.0, None)})
    # No null bead anywhere: null precision and recall cannot be measured (n/a, not 1.0).
    no_null = score([((0,), (0,))], [((0,), (0,))])
    assert no_null.counts.gold_null == no_null.counts.test_null == 0
    assert no_null.null.precision is no_null.null.recall is no_null.null.f1 is None
    assert no_null.to_dict()["null"] == {"precision": None, "recall": None, "f1": None}


def test_lax_null_beads_share_a_sentence_with_a_null_bead_on_the_same_side():
    gold = [((0,), ()), ((1,), ()), ((), (0,)), ((2,), (1,))]
    # [0,1]:[] shares 0 with [0]:[]; []:[1] shares nothing with a src-empty gold bead
    # ([2]:[1] is not null); [2]:[] shares 2 only with a non-null gold bead.
    test = [((0, 1), ()), ((), (0,)), ((), (1,)), ((2,), ())]
    counts = score(gold, test).counts
    assert (counts.lax_test, counts.exact, counts.lax_gold) == (2, 1, 0)


def test_scores_to_dict():
    data = score(GOLD, SPLIT, name="001").to_dict()
    assert data["name"] == "001"
    assert data["strict"] == pytest.approx({"precision": 0.6, "recall": 0.5, "f1": 6 / 11})
    assert data["counts"] == {"test": 5, "test_null": 3, "gold": 4, "gold_null": 2, "exact": 3,
                              "exact_null": 2, "lax_test": 4, "lax_gold": 2}
    assert sum((Counts(test=1), Counts(test=2, gold=1)), Counts()) == Counts(test=3, gold=1)


# --- MAC-Dev: gold vs gold, and a cross-check with a direct implementation -----------

def test_mac_dev_gold_against_itself_is_perfect(mac_dev):
    result = evaluate(mac_dev / "gold", mac_dev / "gold")
    assert [s.name for s in result.files] == CHAPTERS
    for scores in (*result.files, result.pooled):
        for metric in METRICS:
            prf = getattr(scores, metric)
            perfect = None if metric == "null" and not scores.counts.gold_null else 1.0
            assert (prf.precision, prf.recall, prf.f1) == (perfect,) * 3, (scores.name, metric)
    assert result.pooled.counts.gold == 1329


def reference_counts(gold, test):
    """The definitions of docs/evaluation.md, written directly with loops over bead lists.

    Returns {metric: (precision hits, precision total, recall hits, recall total)}.
    """
    gold = list(dict.fromkeys(b for b in gold if b[0] or b[1]))
    test = list(dict.fromkeys(b for b in test if b[0] or b[1]))

    def is_null(bead):
        return len(bead[0]) == 0 or len(bead[1]) == 0

    def lax_match(bead, others):
        for other in others:
            if bead == other:
                return True
            if not is_null(bead):
                if set(bead[0]) & set(other[0]) and set(bead[1]) & set(other[1]):
                    return True
            else:
                side = 0 if bead[0] else 1
                if not other[1 - side] and set(bead[side]) & set(other[side]):
                    return True
        return False

    linked_gold = [g for g in gold if not is_null(g)]
    test_nulls = [t for t in test if is_null(t)]
    gold_nulls = [g for g in gold if is_null(g)]
    found = len([t for t in test if t in gold])
    return {
        "strict": (found, len(test), len([g for g in linked_gold if g in test]), len(linked_gold)),
        "mac": (found, len(test), len([g for g in gold if g in test]), len(gold)),
        "lax": (len([t for t in test if lax_match(t, gold)]), len(test),
                len([g for g in linked_gold if lax_match(g, test)]), len(linked_gold)),
        "null": (len([t for t in test_nulls if t in gold_nulls]), len(test_nulls),
                 len([g for g in gold_nulls if g in test_nulls]), len(gold_nulls)),
    }


def reference_prf(hp, np_, hr, nr, zero):
    p = hp / np_ if np_ > 0 else zero
    r = hr / nr if nr > 0 else zero
    if p is None or r is None:
        return p, r, None
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def perturb(beads, rng):
    """Merge neighbours, split beads and drop beads to null, at random."""
    out = []
    i = 0
    while i < len(beads):
        src, tgt = beads[i]
        roll = rng.random()
        if roll < 0.08 and i + 1 < len(beads):
            out.append((src + beads[i + 1][0], tgt + beads[i + 1][1]))
            i += 2
            continue
        if roll < 0.25 and max(len(src), len(tgt)) >= 2:
            a, b = (len(src) + 1) // 2, len(tgt) // 2
            out += [(src[:a], tgt[:b]), (src[a:], tgt[b:])]
        elif roll < 0.32 and src and tgt:
            out += [(src, ()), ((), tgt)]
        else:
            out.append((src, tgt))
        i += 1
    return out


def test_cross_check_with_direct_implementation(mac_dev):
    rng = random.Random(20240611)
    golds, tests, results = [], [], []
    for name in CHAPTERS:
        gold = read_beads(mac_dev / "gold" / f"{name}.align")
        test = perturb(gold, rng)
        golds.append(gold)
        tests.append(test)
        results.append(score(gold, test, name=name))
    per_file = [reference_counts(g, t) for g, t in zip(golds, tests, strict=True)]
    pooled = {m: tuple(sum(c[m][k] for c in per_file) for k in range(4)) for m in METRICS}
    for scores, ref in [*zip(results, per_file, strict=True), (pool(results), pooled)]:
        for metric in METRICS:
            expected = reference_prf(*ref[metric], zero=None if metric == "null" else 0.0)
            assert_scores(scores, {metric: expected})
    assert 0.5 < pool(results).strict.f1 < 0.95  # the perturbation did something


# --- files and folders ------------------------------------------------------------------

def result_json(beads, src_lang="zh"):
    """Our JSON result for Chinese-first ``beads``."""
    return json.dumps({
        "settings": {"src_lang": src_lang},
        "sentence_beads": [{"en": list(en), "zh": list(zh), "score": 0.5} for zh, en in beads],
    })


def test_json_result_sides_follow_src_lang(tmp_path):
    path = tmp_path / "001.json"
    path.write_text(result_json(GOLD, src_lang="en"), encoding="utf-8")
    assert load_alignment(path) == GOLD
    assert read_result_json(path, src_lang="en") == [(en, zh) for zh, en in GOLD]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ('{"beads": []}', "no \"sentence_beads\" list"),
    ('{"sentence_beads": [{"en": [0]}]}', r"sentence_beads\[0\] needs"),
    ('{"sentence_beads": [{"en": [0], "zh": ["1"]}]}', r"sentence_beads\[0\] needs"),
])
def test_json_result_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_alignment(path)


def make_folders(tmp_path, gold_names, test_names):
    gold_dir, test_dir = tmp_path / "gold", tmp_path / "test"
    gold_dir.mkdir()
    test_dir.mkdir()
    for name in gold_names:
        (gold_dir / name).write_text(format_beads(GOLD), encoding="utf-8")
    for name in test_names:
        text = result_json(SPLIT) if name.endswith(".json") else format_beads(SPLIT)
        (test_dir / name).write_text(text, encoding="utf-8")
    return gold_dir, test_dir


def test_folders_match_by_stem(tmp_path):
    gold_dir, test_dir = make_folders(tmp_path, ["001.align", "002.align"],
                                      ["001.align", "002.json", ".hidden"])
    result = evaluate(gold_dir, test_dir)
    assert [s.name for s in result.files] == ["001", "002"]
    for scores in result.files:
        assert_scores(scores, EXPECTED_SPLIT)
    assert result.pooled.counts == result.files[0].counts + result.files[1].counts
    assert [name for name, _, _ in pair_files(gold_dir / "001.align", test_dir / "002.json")] == ["001"]


def test_folders_missing_partners_are_all_listed(tmp_path):
    gold_dir, test_dir = make_folders(tmp_path, ["001.align", "002.align", "003.align"],
                                      ["001.align", "004.align"])
    with pytest.raises(InputError) as info:
        pair_files(gold_dir, test_dir)
    message = str(info.value)
    assert "for gold 002, 003" in message
    assert "\n" not in message


def test_folder_errors(tmp_path):
    gold_dir, test_dir = make_folders(tmp_path, ["001.align"], ["001.align", "001.json"])
    with pytest.raises(InputError, match="same name stem"):
        pair_files(gold_dir, test_dir)
    with pytest.raises(InputError, match="two files or two folders"):
        pair_files(gold_dir, test_dir / "001.align")
    with pytest.raises(InputError, match="no such file or folder"):
        pair_files(gold_dir, tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no alignment files"):
        pair_files(tmp_path / "empty", test_dir)


# --- InterText ------------------------------------------------------------------------

ZH_XML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE text>
<text>
<p><s id="1:1">我叫小明。</s><s id="1:2">我今年十岁。</s></p>
<p><s id="2:1">今天下了一整天的大雨。</s></p>
<p><s id="3:1">我们没有出门。</s><s id="3:2">在家里看书。</s></p>
</text>
"""
EN_XML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE text>
<text>
<p><s id="1:1">My name is Xiaoming and I am ten.</s></p>
<p><s id="2:1">It rained today.</s><s id="2:2">It rained all day long.</s></p>
<p><s id="3:1">We stayed at home.</s></p>
<p><s id="4:1">(Translator's note: a sentence with no source.)</s></p>
</text>
"""
# fromDoc is the English file, so xtargets read "en ids;zh ids".
LINKS_XML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE linkGrp>
<linkGrp toDoc="book_zh.xml" fromDoc="book_en.xml">
<link type="1-2" xtargets="1:1;1:1 1:2" status="man"/>
<link type="2-1" xtargets="2:1 2:2;2:1" status="man"/>
<link type="1-1" xtargets="3:1;3:1" status="man"/>
<link type="0-1" xtargets=";3:2" status="man"/>
<link type="1-0" xtargets="4:1;" status="man"/>
</linkGrp>
"""
# zh positions: 1:1=0 1:2=1 2:1=2 3:1=3 3:2=4; en positions: 1:1=0 2:1=1 2:2=2 3:1=3 4:1=4
INTERTEXT_ZH_FIRST = [((0, 1), (0,)), ((2,), (1, 2)), ((3,), (3,)), ((4,), ()), ((), (4,))]


def write_intertext(folder, links=LINKS_XML):
    folder.mkdir(exist_ok=True)
    (folder / "book_zh.xml").write_text(ZH_XML, encoding="utf-8")
    (folder / "book_en.xml").write_text(EN_XML, encoding="utf-8")
    (folder / "book_zh.book_en.xml").write_text(links, encoding="utf-8")
    return folder / "book_zh.book_en.xml"


def test_intertext_to_zh_first_beads(tmp_path):
    path = write_intertext(tmp_path)
    assert read_intertext(path) == INTERTEXT_ZH_FIRST
    assert load_alignment(path, src_lang="en") == [(en, zh) for zh, en in INTERTEXT_ZH_FIRST]


def test_intertext_sides_come_from_fromdoc_and_todoc(tmp_path):
    # The same alignment declared the other way round: fromDoc Chinese, "zh ids;en ids".
    swapped = (LINKS_XML.replace('toDoc="book_zh.xml" fromDoc="book_en.xml"',
                                 'toDoc="book_en.xml" fromDoc="book_zh.xml"')
               .replace("1:1;1:1 1:2", "1:1 1:2;1:1").replace("2:1 2:2;2:1", "2:1;2:1 2:2")
               .replace(";3:2", "3:2;").replace("4:1;", ";4:1"))
    assert read_intertext(write_intertext(tmp_path, swapped)) == INTERTEXT_ZH_FIRST


def test_intertext_halves_in_the_other_order_are_recognised(tmp_path):
    # fromDoc Chinese but "en ids;zh ids": the declared reading names ids the documents
    # lack (zh 1:2 read as English), the swapped one fits both.
    other = LINKS_XML.replace('toDoc="book_zh.xml" fromDoc="book_en.xml"',
                              'toDoc="book_en.xml" fromDoc="book_zh.xml"')
    assert read_intertext(write_intertext(tmp_path, other)) == INTERTEXT_ZH_FIRST


@pytest.mark.parametrize("links, message", [
    (LINKS_XML.replace("3:1;3:1", "3:1;9:9"), r"unknown sentence id '9:9'"),
    (LINKS_XML.replace('fromDoc="book_en.xml"', ""), "no fromDoc attribute"),
    (LINKS_XML.replace('"book_en.xml"', '"other.xml"'), "'other.xml' not found"),
    (LINKS_XML.replace('xtargets="3:1;3:1"', 'xtargets="3:1"'), "link 3 needs"),
    (LINKS_XML.replace("</linkGrp>", ""), "not well-formed XML"),
])
def test_intertext_errors(tmp_path, links, message):
    with pytest.raises(InputError, match=message):
        read_intertext(write_intertext(tmp_path, links))


def test_intertext_gold_folder(tmp_path):
    write_intertext(tmp_path / "gold")
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "book_zh.book_en.align").write_text(
        format_beads(INTERTEXT_ZH_FIRST), encoding="utf-8")
    result = evaluate(tmp_path / "gold", tmp_path / "test")
    assert [s.name for s in result.files] == ["book_zh.book_en"]
    assert result.pooled.strict.f1 == result.pooled.null.recall == 1.0


# --- CLI ---------------------------------------------------------------------------------

def test_cli_table_gold_against_gold(mac_dev, capsys):
    assert main(["eval", "--gold", str(mac_dev / "gold"), "--test", str(mac_dev / "gold")]) == 0
    out = capsys.readouterr().out
    names = [*CHAPTERS, "all"]
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in ([n] for n in names)]
    assert [row[0] for row in rows] == names
    # Null P/R: n/a for a chapter whose gold has no null bead (nothing to measure).
    null_free = {s.name for s in evaluate(mac_dev / "gold", mac_dev / "gold").files if not s.counts.gold_null}
    assert null_free  # MAC-Dev has such chapters
    assert all(row[1:] == ["1.000"] * 9 + ["n/a" if row[0] in null_free else "1.000"] * 2 for row in rows)


def test_cli_json(tmp_path, capsys):
    gold_dir, test_dir = make_folders(tmp_path, ["001.align"], ["001.json"])
    assert main(["eval", "--gold", str(gold_dir), "--test", str(test_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["src_lang"] == "zh"
    assert [f["name"] for f in data["files"]] == ["001"]
    assert data["all"]["strict"] == pytest.approx({"precision": 0.6, "recall": 0.5, "f1": 6 / 11})
    assert data["all"]["null"]["precision"] == pytest.approx(2 / 3)


def test_cli_passes_src_lang_to_the_library(monkeypatch, tmp_path, capsys):
    import align.evaluate

    calls = []

    def fake(gold, test, *, src_lang):
        calls.append((gold, test, src_lang))
        return align.evaluate.Evaluation([], align.evaluate.pool([]), src_lang)

    monkeypatch.setattr(align.evaluate, "evaluate", fake)
    assert main(["eval", "--gold", "g", "--test", "t", "--src-lang", "en", "--json"]) == 0
    assert calls == [("g", "t", "en")]
    assert json.loads(capsys.readouterr().out)["src_lang"] == "en"


def test_cli_malformed_bead_line_exits_2_with_one_line(tmp_path, capsys):
    gold = tmp_path / "gold.align"
    gold.write_text(format_beads(GOLD), encoding="utf-8")
    test = tmp_path / "test.align"
    test.write_text("[0]:[0]\n[1]:[1,2\n", encoding="utf-8")
    assert main(["eval", "--gold", str(gold), "--test", str(test)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("align: error: ")
    assert "test.align: line 2: " in lines[0]


@pytest.mark.parametrize("args", [
    ["--gold", "missing", "--test", "missing"],
    ["--gold", ".", "--test", ".", "--src-lang", "fr"],
])
def test_cli_bad_input_exits_2(args, capsys):
    assert main(["eval", *args]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


# --- bench ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mac_dev_bench", ROOT / "bench" / "mac_dev.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_bench_scores_gold_beads_perfectly(bench, mac_dev):
    assert bench.chapters(mac_dev, "src_trad") == CHAPTERS
    runs = []
    for i, name in enumerate(CHAPTERS):
        gold = read_beads(mac_dev / "gold" / f"{name}.align")
        beads = [Bead(en=en, zh=zh, score=1.0) for zh, en in gold]
        runs.append(bench.score_chapter(name, gold, beads, timings={"embed": 1.0, "align": 0.25},
                                        total_s=1.5, peak_mb=100.0 + i))
    lines = bench.format_table(runs).splitlines()
    assert lines[0].split() == list(bench._HEADER)
    assert [line.split()[0] for line in lines[1:]] == [*CHAPTERS, "all"]
    null_free = {r.scores.name for r in runs if not r.scores.counts.gold_null}
    assert all(line.split()[1:5] == ["1.000"] * 4 for line in lines[1:])
    assert all(line.split()[5:7] == ["n/a" if line.split()[0] in null_free else "1.000"] * 2
               for line in lines[1:])
    assert lines[1].split()[7:] == ["1.00", "0.25", "1.50", "100"]
    assert lines[-1].split()[7:] == ["6.00", "1.50", "9.00", "105"]


def test_bench_beads_are_zh_first_and_corpus_is_checked(bench, tmp_path):
    assert bench.zh_first([Bead(en=(0,), zh=(1, 2)), Bead(en=(), zh=(3,))]) == [((1, 2), (0,)),
                                                                                ((3,), ())]
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "001.align").write_text("[0]:[0]\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing chapter texts"):
        bench.chapters(tmp_path, "src")
    assert bench.main([str(tmp_path / "nothing")]) == 2
