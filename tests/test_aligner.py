"""The aligner and the gap report, on real text (the seed article) with the
bundled encoder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from align import core
from align.api import align_files, align_texts
from align.cli import main
from align.encoders import get_encoder

# Chinese paragraphs of the seed with no English counterpart (first lines).
SEED_ZH_ONLY = {38, 48, 54, 56, 72, 74}


@pytest.fixture(scope="session")
def encoder():
    return get_encoder(cache=False)


@pytest.fixture(scope="session")
def seed_result(encoder):
    from tests.conftest import SEED_MIXED
    return align_files(SEED_MIXED, encoder=encoder)


@pytest.fixture(scope="session")
def seed_lines():
    from tests.conftest import SEED_MIXED
    return SEED_MIXED.read_text(encoding="utf-8").split("\n")


def _line(lines, k):
    return lines[k - 1]


def _clean_pair(lines):
    """The translated body of the seed: English lines 6-35 and their Chinese."""
    en = [_line(lines, k) for k in range(6, 36)]
    zh = [_line(lines, k) for k in range(41, 76) if k not in SEED_ZH_ONLY]
    return en, zh


def test_seed_flags_exactly_the_chinese_only_paragraphs(seed_result):
    zh_gaps = {g.line for g in seed_result.gaps if g.only_in == "zh" and g.level == "paragraph"}
    assert zh_gaps == SEED_ZH_ONLY
    tenfold = next(g for g in seed_result.gaps if g.line == 48)
    assert tenfold.text.startswith("雖然沒有什麼可以取代這一數量")
    assert tenfold.confidence > 0.9
    # No sentence-level gap inside the 30 translated Chinese paragraphs.
    assert not [g for g in seed_result.gaps if g.only_in == "zh" and g.level == "sentence"]


def test_seed_english_only_text_is_reported_with_paratext_labels(seed_result):
    en = {g.line: g for g in seed_result.gaps if g.only_in == "en"}
    assert en[5].kind == "byline" and en[4].kind == "dateline"
    assert en[76].end_line == 83  # the closing comment, one hard-wrapped paragraph
    # English paragraphs that are translated are never gaps.
    assert not set(en) & set(range(6, 36))


def test_every_unit_in_exactly_one_bead_in_order(seed_result):
    r = seed_result
    for beads, counts in ((r.paragraph_beads, (len(r.en.paragraphs), len(r.zh.paragraphs))),
                          (r.sentence_beads, (len(r.en.sentences), len(r.zh.sentences)))):
        for side, total in zip(("en", "zh"), counts, strict=True):
            seen = [k for b in beads for k in getattr(b, side)]
            assert seen == list(range(total))


def _planted(case: str):
    """A planted-omission case of data/planted (data/make_planted.py): its two
    files and what it expects."""
    from tests.conftest import DATA

    folder = DATA / "planted"
    expected = json.loads((folder / f"{case}.expected.json").read_text(encoding="utf-8"))
    return folder / f"{case}.en.txt", folder / f"{case}.zh.txt", expected


@pytest.mark.parametrize("case", ["clean", "en-paragraph-deleted", "zh-paragraph-deleted",
                                  "zh-sentence-deleted"])
def test_planted_omission_is_the_only_gap(encoder, case):
    """The seed's translated body with one planted deletion (or none): the orphan,
    and nothing else, is reported, at its level and line, with high confidence."""
    en_file, zh_file, expected = _planted(case)
    result = align_files(en_file, zh_file, encoder=encoder)
    assert [(g.level, g.only_in, g.line) for g in result.gaps] == [
        (o["level"], o["only_in"], o["line"]) for o in expected["orphans"]]
    for gap, orphan in zip(result.gaps, expected["orphans"], strict=True):
        assert gap.text == orphan["text"] and gap.confidence > 0.9
    if not expected["orphans"]:
        assert all(b.kind == "1-1" for b in result.paragraph_beads)


def test_paragraph_split_in_two_is_a_one_to_two_bead(encoder, seed_lines):
    en, zh = _clean_pair(seed_lines)
    first, rest = zh[6].split("。", 1)
    zh[6:7] = [first + "。", rest]
    result = align_texts("\n".join(en), "\n".join(zh), encoder=encoder)
    assert result.gaps == []
    assert [(b.en, b.zh) for b in result.paragraph_beads if b.kind != "1-1"] == [((6,), (6, 7))]


@pytest.mark.parametrize(("side", "paragraph", "drop", "gap"), [
    ("en", "But getting Kazakh oil to Baku", 0, "但將哈薩克斯坦的石油運往巴庫"),
    ("zh", "但實現這一目標並非易事", 0, "But meeting that target will not be easy."),
    ("zh", "三位交易員表示", 1, "TotalEnergies did not immediately respond"),
])
def test_sentence_missing_from_a_two_sentence_paragraph(encoder, seed_lines, side, paragraph, drop, gap):
    """One sentence against two is not taken for a 1-2 bead: at the edges of a
    paragraph group the margin compares with the sentences around the group,
    not with nothing."""
    from align.text import split_sentences

    en, zh = _clean_pair(seed_lines)
    lines = en if side == "en" else zh
    k = next(i for i, line in enumerate(lines) if line.startswith(paragraph))
    sentences = split_sentences(lines[k], side)
    assert len(sentences) == 2
    lines[k] = sentences[1 - drop]
    result = align_texts("\n".join(en), "\n".join(zh), encoder=encoder)
    assert [(g.level, g.only_in) for g in result.gaps] == [("sentence", "zh" if side == "en" else "en")]
    assert result.gaps[0].text.startswith(gap)


def test_repeated_paragraph(encoder, seed_lines):
    en, zh = _clean_pair(seed_lines)
    en.insert(10, en[9])
    result = align_texts("\n".join(en), "\n".join(zh), encoder=encoder)
    # Either copy may pair with the translation, but the paragraph must be
    # accounted for: aligned alone, or merged with its double.
    beads = [b for b in result.paragraph_beads if 9 in b.en or 10 in b.en]
    assert all(b.zh == (9,) for b in beads if b.zh)
    assert not [g for g in result.gaps if g.only_in == "zh"]


def test_presplit_aligns_sentences_of_whole_text(encoder, mac_dev):
    result = align_files(mac_dev / "src" / "006", mac_dev / "tgt" / "006", presplit=True, encoder=encoder)
    assert len(result.paragraph_beads) == 1
    gold = set()
    for line in (mac_dev / "gold" / "006.align").read_text().splitlines():
        zh, en = line.split(":")
        gold.add((tuple(json.loads(en)), tuple(json.loads(zh))))
    found = sum((b.en, b.zh) in gold for b in result.sentence_beads)
    assert found / len(result.sentence_beads) > 0.8


def test_beads_do_not_end_inside_an_english_quotation_alone(encoder, mac_dev, monkeypatch):
    """Dialogue (MAC-Dev 002): with the quotation feature hardly any bead ends
    inside an English quotation while the Chinese one is closed (its gold has
    one such bead in 241); without it several do. Since round 12's ``overlap``
    feature, a second one is 'Live or die!' (en 117) against zh 71-72, where
    gold crosses (zh 71 and 73 against en 117-120, zh 72 alone), so that no
    monotone alignment is right there."""
    from align import api
    from align.text import quote_states

    def english_only_quote_ends(result):
        zq, eq = quote_states(result.zh), quote_states(result.en)
        return sum(1 for b in result.sentence_beads if b.en and b.zh and eq[b.en[-1]] and not zq[b.zh[-1]])

    chapter = (mac_dev / "src" / "002", mac_dev / "tgt" / "002")
    with_feature = english_only_quote_ends(align_files(*chapter, presplit=True, encoder=encoder))
    load = api.load_weights

    def without_quotes(level, shapes):
        weights = load(level, shapes).copy()
        if level == "sentence":
            weights[core.feature_names(list(shapes)).index("quote_y_only")] = 0.0
        return weights

    monkeypatch.setattr(api, "load_weights", without_quotes)
    without = english_only_quote_ends(align_files(*chapter, presplit=True, encoder=encoder))
    assert with_feature <= 2 and without >= with_feature + 3, (with_feature, without)


def test_check_exit_codes_and_json_contract(tmp_path, capsys):
    en, zh, _ = _planted("clean")
    assert main(["check", str(zh), str(en), "--json", str(tmp_path / "ok.json")]) == 0
    en, zh, _ = _planted("zh-paragraph-deleted")  # Chinese paragraph 5 deleted
    out = tmp_path / "r.json"
    assert main(["check", str(en), str(zh), "--json", str(out)]) == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == 1
    assert set(data) >= {"settings", "en", "zh", "paragraph_beads", "sentence_beads", "gaps"}
    assert data["settings"]["encoder"].startswith("use-m3")
    gap = data["gaps"][0]
    assert gap["only_in"] == "en" and gap["level"] == "paragraph"
    assert gap["line"] == 6 and gap["text"].startswith("Amid popular demand")
    assert 0.5 < gap["confidence"] <= 1.0
    assert main(["check", str(tmp_path / "missing.txt")]) == 2
    assert main(["check", str(en), str(en)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_pair_writes_beads_src_first(tmp_path, mac_dev):
    out = tmp_path / "006.align"
    assert main(["pair", str(mac_dev / "src" / "006"), str(mac_dev / "tgt" / "006"), "--presplit",
                 "-o", str(out)]) == 0
    first = out.read_text().splitlines()[0]
    assert first == "[0]:[0,1]"  # Chinese (SRC) indices first, as in MAC's gold


def test_heaviest_chain_is_monotone_and_optimal():
    i = np.array([0, 0, 1, 2, 2, 3])
    j = np.array([0, 5, 1, 0, 2, 3])
    w = np.array([1.0, 5.0, 1.0, 1.0, 1.0, 1.0])
    # 0:5 alone weighs 5; the chain 0:0,1:1,2:2,3:3 weighs 4.
    assert core.heaviest_chain(i, j, w) == [(0, 5)]
    w[1] = 3.0
    assert core.heaviest_chain(i, j, w) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_dp_recovers_a_planted_alignment():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(12, 32))
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    # x: y[0..3] one to one, y[4]+y[5] merged, y[6] missing, the rest one to one.
    rows = [y[0], y[1], y[2], y[3], y[4] + y[5], y[7], y[8], y[9], y[10], y[11]]
    x = np.array(rows) + 0.05 * rng.normal(size=(10, 32))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    lens_x = np.array([10, 10, 10, 10, 20, 10, 10, 10, 10, 10])
    links = core.align_sequences(x, y, lens_x, np.full(12, 10))
    pairs = [(link.x, link.y) for link in links]
    assert ((4,), (4, 5)) in pairs
    assert ((), (6,)) in pairs
    assert ((9,), (11,)) in pairs


def test_steep_band_stays_connected():
    # A band whose centre climbs faster than its width must still be traversable.
    lo, hi = core.band_around([(0, 0), (1, 40), (2, 41)], 3, 60, 2)
    assert all(lo[i + 1] <= hi[i] for i in range(3))
    assert lo[0] == 0 and hi[-1] == 60


def test_top_k_search_is_limited_to_a_radius_but_exact_inside_it():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(300, 16))
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    x = y[::-1].copy()  # x[i] is y[299 - i]: far from the diagonal for most i
    idx, _ = core.top_k_links(x, y, 1, block=16, radius=400)
    assert (idx[:, 0] == np.arange(299, -1, -1)).all()
    near, _ = core.top_k_links(x, y, 1, block=16, radius=10)
    assert (np.abs(near[:, 0] - np.arange(300)) <= 10 + 16).all()


def _unit_rows(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=(n, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_lattice_reuses_only_unchanged_scores():
    rng = np.random.default_rng(3)
    x = _unit_rows(rng, 30)
    y = _unit_rows(rng, 40)
    shapes = core.AlignConfig().shapes()
    scorer = core.Scorer(core.SpanVectors(x), core.SpanVectors(y), np.full(30, 10.0), np.full(40, 8.0),
                         shapes, core.default_weights(shapes), np.full(30, 0.5), np.full(40, 0.5))
    lo, hi = core.anchor_band(x, y, 5)
    first = core.Lattice(30, 40, lo, hi, scorer)
    scorer.x.add_joined([(3, 2), (10, 3)], [x[0], x[1]])
    scorer.y.add_joined([(5, 2)], [y[2]])
    lo2, hi2 = core.band_from_links(first.best_path(), 30, 40, 3)
    reused = core.Lattice(30, 40, lo2, hi2, scorer, previous=first)
    fresh = core.Lattice(30, 40, lo2, hi2, scorer)
    for a, b in zip(reused.scores, fresh.scores, strict=True):
        np.testing.assert_allclose(a, b)
    assert reused.best_path() == fresh.best_path()
    assert first.scores == [] and first.score_matrix.size == 0  # released once copied


def test_scores_skip_only_unweighted_features():
    """Scores computed without the zero-weighted coverage features equal the
    full features times the weights; with a coverage weight they are computed."""
    rng = np.random.default_rng(5)
    x = _unit_rows(rng, 20)
    y = _unit_rows(rng, 25)
    shapes = core.AlignConfig().shapes()
    names = core.feature_names(shapes)
    for cover in (0.0, 0.5):
        weights = core.default_weights(shapes)
        weights[names.index("cover_x")] = cover
        scorer = core.Scorer(core.SpanVectors(x), core.SpanVectors(y), np.full(20, 10.0), np.full(25, 8.0),
                             shapes, weights, np.full(20, 0.5), np.full(25, 0.5))
        ii, js = np.arange(3, 18), np.arange(4, 19)
        for a, b in [(1, 1), (2, 1), (1, 3), (2, 2), (1, 0), (0, 1)]:
            np.testing.assert_allclose(scorer.pair_scores(ii, a, js, b),
                                       scorer.pair_features(ii, a, js, b) @ weights)


def test_margin_at_the_edges_of_a_part_uses_the_units_around_it():
    """A bead at the start of a part is compared with the unit just before the
    part (``edges``), as it would be inside it; past the ends of the text, with
    unrelated text (the null model's mean cosine of random pairs)."""
    rng = np.random.default_rng(7)
    x, y = _unit_rows(rng, 6), _unit_rows(rng, 6)
    shapes = core.AlignConfig().shapes()
    names = core.feature_names(shapes)

    def margin(**edges):
        scorer = core.Scorer(core.SpanVectors(x[1:5]), core.SpanVectors(y[1:5]), np.full(4, 10.0),
                             np.full(4, 10.0), shapes, core.default_weights(shapes), np.full(4, 0.5),
                             np.full(4, 0.5), **edges)
        return scorer.features(1, 1, np.array([1]), 1)[0][names.index("margin")]

    cos = float(x[1] @ y[1])
    inside = cos - 0.5 * ((y[0] @ x[1] + y[2] @ x[1]) / 2 + (x[0] @ y[1] + x[2] @ y[1]) / 2)
    assert margin(x_edges=(x[0], x[5]), y_edges=(y[0], y[5])) == pytest.approx(inside, abs=1e-6)
    mu0 = core.CosineModel().mu0
    assert margin() == pytest.approx(cos - 0.5 * ((mu0 + y[2] @ x[1]) / 2 + (mu0 + x[2] @ y[1]) / 2), abs=1e-6)


@pytest.mark.parametrize("length", [1, 2, 5, 8])
def test_span_vectors_are_the_normalised_sums_of_their_units_across_windows(length):
    """Spans are summed window by window (memory bounded by the window): the same
    vectors as the direct definition, at window edges and at the text's end too."""
    rng = np.random.default_rng(length)
    units = core._normalise(rng.normal(size=(1000, 16)).astype(np.float32))
    spans = core.SpanVectors(units, block=64)
    ends = np.arange(len(units) + 1)
    got = np.vstack([spans.get(ends[k:k + 50], length) for k in range(0, len(ends), 50)])
    want = np.zeros_like(got)
    for e in range(length, len(units) + 1):
        want[e] = units[e - length:e].sum(axis=0)
    want[length:] = core._normalise(want[length:])
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_block_scores_are_the_pair_scores_on_real_text(encoder, mac_dev, monkeypatch):
    """A first lattice scores each block's shapes with their sides shared
    (Scorer.block_scores): on a real chapter, the same scores as bead by bead,
    and the same alignment, scores included."""
    from align.api import SENTENCE_CONFIG, align_texts, load_weights

    zh = (mac_dev / "src" / "001").read_text(encoding="utf-8")
    en = (mac_dev / "tgt" / "001").read_text(encoding="utf-8")
    zv = encoder.encode([t for t in zh.splitlines() if t.strip()][:150])
    ev = encoder.encode([t for t in en.splitlines() if t.strip()][:200])
    shapes = SENTENCE_CONFIG.shapes()
    weights = load_weights("sentence", tuple(shapes))
    n, m = len(zv) - 2, len(ev) - 2
    scorer = core.Scorer(core.SpanVectors(zv[1:-1]), core.SpanVectors(ev[1:-1]), np.full(n, 20.0),
                         np.full(m, 60.0), shapes, weights, x_edges=(zv[0], zv[-1]), y_edges=(ev[0], ev[-1]))
    assert scorer.shares_sides
    tiny = core.Scorer(core.SpanVectors(zv[:2]), core.SpanVectors(ev[:3]), np.full(2, 20.0), np.full(3, 60.0),
                       shapes, weights)  # shorter than most shapes: they fit nowhere
    for sc, (n_, m_, lo, hi) in ((scorer, (n, m, *core.anchor_band(zv[1:-1], ev[1:-1], 5))),
                                 (tiny, (2, 3, np.zeros(3, dtype=np.int64), np.full(3, 3)))):
        lattice = core.Lattice(n_, m_, lo, hi, sc)
        for s, (a, b) in enumerate(lattice.shapes):
            ok = lattice.valid(a, b)
            expected = sc.pair_scores(lattice.cell_i[ok], a, lattice.cell_j[ok], b).astype(np.float32)
            np.testing.assert_array_equal(lattice.scores[s][ok], expected)

    shared = align_texts(en, zh, presplit=True, encoder=encoder, checks=[])
    monkeypatch.setattr(core.Scorer, "shares_sides", property(lambda self: False))
    one_by_one = align_texts(en, zh, presplit=True, encoder=encoder, checks=[])
    assert [(b.en, b.zh, b.score) for b in shared.sentence_beads] == \
        [(b.en, b.zh, b.score) for b in one_by_one.sentence_beads]


def test_lattice_scored_on_threads_is_the_one_scored_in_line(encoder, mac_dev, monkeypatch):
    """A long lattice's blocks are scored in parts, one a thread, each with span
    windows of its own: the same scores as one thread's, for a first lattice and
    for one that reuses it after refinement, and the same alignment."""
    from align.api import SENTENCE_CONFIG, align_texts, load_weights

    zh = (mac_dev / "src" / "002").read_text(encoding="utf-8")
    en = (mac_dev / "tgt" / "002").read_text(encoding="utf-8")
    zv, ev = encoder.encode(zh.splitlines()), encoder.encode(en.splitlines())
    shapes = SENTENCE_CONFIG.shapes()
    weights = load_weights("sentence", tuple(shapes))
    n, m = len(zv), len(ev)
    lo, hi = core.anchor_band(zv, ev, 5)

    def lattices() -> tuple[core.Lattice, core.Lattice]:
        scorer = core.Scorer(core.SpanVectors(zv), core.SpanVectors(ev), np.full(n, 20.0), np.full(m, 60.0),
                             shapes, weights)
        first = core.Lattice(n, m, lo, hi, scorer)
        kept = first.score_matrix.copy()
        scorer.x.add_joined([(10, 2), (40, 3)], [zv[0], zv[1]])  # some spans get joined-text vectors
        return kept, core.Lattice(n, m, lo, hi, scorer, previous=first).score_matrix

    monkeypatch.setattr(core, "_PART_BLOCKS", 1)
    monkeypatch.setattr(core.Lattice, "BLOCK_CELLS", 256)
    assert len(core._parts(int((hi - lo + 1).sum()), 256, 2)) == 2
    monkeypatch.setattr(core, "SCORE_THREADS", 2)
    threaded = lattices()
    monkeypatch.setattr(core, "SCORE_THREADS", 1)
    in_line = lattices()
    for a, b in zip(threaded, in_line, strict=True):
        np.testing.assert_array_equal(a, b)
    monkeypatch.setattr(core, "SCORE_THREADS", 2)
    a = align_texts(en, zh, presplit=True, encoder=encoder, checks=[])
    monkeypatch.setattr(core, "SCORE_THREADS", 1)
    b = align_texts(en, zh, presplit=True, encoder=encoder, checks=[])
    assert [(x.en, x.zh, x.score) for x in a.sentence_beads] == [(x.en, x.zh, x.score) for x in b.sentence_beads]


def test_hashed_bags_count_each_word_in_its_column():
    import zlib

    from align.lexical import hashed

    bags = [{"river", "boat"}, set(), {"river"}, {"a", "b", "c", "d", "e"}]
    out = hashed(iter(bags), dim=4, count=len(bags))
    expected = np.zeros((4, 4), dtype=np.float16)
    for row, bag in enumerate(bags):
        for word in bag:
            expected[row, zlib.crc32(word.encode()) % 4] += 1  # five words in four columns: one shared
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float16 and out[3].sum() == 5 and out[1].sum() == 0
    assert hashed([]).shape == (0, 256)


def test_word_ids_hold_the_bags_exactly(mac_dev):
    """The detector's "shared words" test counts the words of a unit found in the
    other side's bags. Hashed into 256 columns, a Chinese bag of some forty
    glosses makes an English word "shared" by collision (the count was too high
    in the round-11 detector); the ids count exactly what the sets share."""
    from align.lexical import en_bag, hashed, word_ids, zh_bag
    from align.text import normalize_zh

    en = (mac_dev / "tgt" / "001").read_text(encoding="utf-8").splitlines()[:60]
    zh = [normalize_zh(s) for s in (mac_dev / "src" / "001").read_text(encoding="utf-8").splitlines()[:45]]
    ebags, zbags = [en_bag(s) for s in en], [zh_bag(s) for s in zh]
    ewords, zwords, idf = word_ids(ebags, zbags)
    elex, zlex = hashed(ebags), hashed(zbags)
    overcounted = 0
    for u in range(len(en)):
        theirs = [k for k in range(len(zh)) if abs(k - u * len(zh) // len(en)) <= 1]
        exact = len(ebags[u] & set().union(*(zbags[k] for k in theirs)))
        assert ewords.shared(u, zwords, theirs) == exact
        hashed_count = np.minimum(elex[u].astype(np.float32), zlex[theirs].sum(axis=0, dtype=np.float32)).sum()
        overcounted += hashed_count > exact
    assert overcounted >= 5  # the old count was wrong for these units
    # every id is a word both sides have; idf is log(units / units holding it)
    for k in range(len(zh)):
        assert len(zwords.of(k)) <= len(zbags[k]) and list(zwords.of(k)) == sorted(zwords.of(k))
    df = np.bincount(np.concatenate([ewords.ids, zwords.ids]), minlength=len(idf))
    np.testing.assert_allclose(idf, np.log((len(en) + len(zh)) / df))
    assert (df >= 2).all()
    part = ewords.rows(slice(10, 20))
    assert len(part) == 10 and all((part.of(k) == ewords.of(10 + k)).all() for k in range(10))


def test_overlap_is_each_shared_word_once_weighed_by_its_idf(encoder, mac_dev):
    """The ``overlap`` feature of a bead: for every word both sides' bags hold,
    its idf times the smaller of the two counts of units holding it; batched
    over a block's cells (the vocabulary cut to words some cell shares) it is
    the same as bead by bead, and a lattice's block scores are its pair scores."""
    from collections import Counter

    from align.api import SENTENCE_CONFIG, load_weights
    from align.lexical import en_bag, word_ids, zh_bag
    from align.text import normalize_zh

    zh = [t for t in (mac_dev / "src" / "001").read_text(encoding="utf-8").splitlines() if t.strip()][:120]
    en = [t for t in (mac_dev / "tgt" / "001").read_text(encoding="utf-8").splitlines() if t.strip()][:160]
    ewords, zwords, idf = word_ids([en_bag(s) for s in en], [zh_bag(normalize_zh(s)) for s in zh])
    overlap = core.WordOverlap(zwords, ewords, idf)
    rng = np.random.default_rng(3)
    for a, b in [(1, 1), (1, 2), (2, 1), (3, 4), (7, 1)]:
        ii = rng.integers(a, len(zh) + 1, 40)
        js = np.clip((ii * len(en)) // len(zh) + rng.integers(-3, 4, 40), b, len(en))
        want = []
        for i, j in zip(ii, js, strict=True):
            cx = Counter(w for r in range(i - a, i) for w in zwords.of(r).tolist())
            cy = Counter(w for r in range(j - b, j) for w in ewords.of(r).tolist())
            want.append(sum(idf[w] * min(cx[w], cy[w]) for w in cx.keys() & cy.keys()))
        np.testing.assert_allclose(overlap.pairs(ii, a, js, b), want, rtol=1e-5)
        one = [overlap.pairs(ii[k:k + 1], a, js[k:k + 1], b)[0] for k in range(len(ii))]
        np.testing.assert_allclose(one, want, rtol=1e-5)
    assert max(want) > 0

    zv, ev = encoder.encode(zh), encoder.encode(en)
    shapes = SENTENCE_CONFIG.shapes()
    weights = load_weights("sentence", tuple(shapes))
    assert weights[core.feature_names(shapes).index("overlap")] > 0
    scorer = core.Scorer(core.SpanVectors(zv), core.SpanVectors(ev), np.full(len(zh), 20.0),
                         np.full(len(en), 60.0), shapes, weights, overlap=overlap)
    lattice = core.Lattice(len(zh), len(en), *core.anchor_band(zv, ev, 5), scorer)
    for s, (a, b) in enumerate(lattice.shapes):
        ok = lattice.valid(a, b)
        expected = scorer.pair_scores(lattice.cell_i[ok], a, lattice.cell_j[ok], b).astype(np.float32)
        np.testing.assert_allclose(lattice.scores[s][ok], expected, rtol=1e-6, atol=1e-6)
