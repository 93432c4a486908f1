"""The omission detector (align.gaps): absorbed units, facing gaps, structure, confidence."""

from __future__ import annotations

import random

import numpy as np
import pytest

from align.api import align_texts
from align.core import CosineModel
from align.gaps import (
    absorbed_units,
    nearby_model,
    pair_facing,
    section_number,
    split_absorbed,
    translatable,
)
from align.models import Bead, Paragraph
from tests.conftest import SEED_MIXED

SEED_ZH_ONLY = {38, 48, 54, 56, 72, 74}

# The table of contents of a Debian Reference section (its chapter 1), as
# published with its Traditional-Chinese translation: "1.4.5." is translated
# freely ("viewing file contents" for "The pager").
EN_TOC = ["1.4.3. Special key strokes", "1.4.4. Mouse operations", "1.4.5. The pager",
          "1.4.6. The text editor", "1.4.7. Setting a default text editor", "1.4.8. Using vim"]
ZH_TOC = ["1.4.3. 特殊按鍵", "1.4.4. 滑鼠操作", "1.4.5. 文件內容查看", "1.4.6. 文字編輯器",
          "1.4.7. 設置預設文本編輯器", "1.4.8. 使用 vim"]


@pytest.fixture(scope="module")
def seed_body() -> tuple[list[str], list[str]]:
    """The seed's translated paragraphs, one English and one Chinese list, in order."""
    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    en = [lines[k - 1] for k in range(6, 36) if lines[k - 1].strip()]
    zh = [lines[k - 1] for k in range(41, 76) if lines[k - 1].strip() and k not in SEED_ZH_ONLY]
    assert len(en) == len(zh) == 30
    return en, zh


@pytest.mark.parametrize(("text", "number"), [
    ("1.4.5. The pager", "1.4.5"), ("1.4.5. 文件內容查看", "1.4.5"), ("A.1. Appendix", "A.1"),
    ("3) third item", "3"), ("(2) 第二", "2"), ("12 monkeys", None), ("2022 was a year", None),
    ("Table 5.3. Commands", None), ("The pager", None),
])
def test_section_number(text, number):
    assert section_number(text) == number


@pytest.mark.parametrize(("text", "expected"), [
    ("[44]", False), ("*", False), (", ,", False), ("2022", False), ("CPC", True), ("容量問題", True),
])
def test_only_text_with_letters_can_be_a_gap(text, expected):
    assert translatable(text) is expected


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_absorbed_unit_is_taken_out_at_the_edge_of_its_side():
    """A 2-1 bead whose second English unit is unrelated: it comes out as a null
    bead after the rest; a true 1-2 split (both halves translate the unit) stays."""
    rng = np.random.default_rng(0)
    t, a, orphan = (_unit(rng.normal(size=16)) for _ in range(3))
    half1, half2 = _unit(t + 0.6 * rng.normal(size=16)), _unit(t + 0.6 * rng.normal(size=16))
    en = np.stack([a, orphan, half1, half2])
    zh = np.stack([_unit(a + 0.2 * rng.normal(size=16)), t])
    beads = [Bead((0, 1), (0,)), Bead((2, 3), (1,))]
    model = CosineModel(0.8, 0.1, 0.0, 0.15)
    lengths = np.full(4, 60.0), np.array([40.0, 80.0])
    found = absorbed_units(beads, en, zh, model, *lengths)
    assert [(a.bead, a.lang, a.unit) for a in found] == [(0, "en", 1)]
    assert split_absorbed(beads, found) == [Bead((0,), (0,)), Bead((1,), ()), beads[1]]


def test_facing_gaps_with_the_same_section_number_are_one_pair():
    vecs = np.eye(2, dtype=np.float32)  # orthogonal: the encoder sees nothing in common
    en = [Paragraph("1.4.5. The pager is the program that shows a file one screen at a time",
                    "", 1, 1, 0, ())]
    zh = [Paragraph("1.4.5. 文件內容查看，一次一屏地顯示文件的程式", "", 1, 1, 0, ())]
    model = CosineModel(0.8, 0.1, 0.0, 0.1)
    beads = [Bead((0,), ()), Bead((), (0,))]
    paired = pair_facing(beads, vecs[:1], vecs[1:], model, np.array([60.0]), np.array([20.0]), en, zh)
    assert paired == [Bead((0,), (0,), 0.0)]
    zh_other = [Paragraph("2.1. 另一節，說的是別的事情，與上面無關", "", 1, 1, 0, ())]
    assert pair_facing(beads, vecs[:1], vecs[1:], model, np.array([60.0]), np.array([20.0]),
                       en, zh_other) == beads


def test_freely_translated_numbered_heading_is_not_two_gaps(encoder, seed_body):
    """Failed before the detector: "1.4.5. The pager" / "1.4.5. 文件內容查看" came out
    as an English-only and a Chinese-only gap."""
    en, zh = seed_body
    en, zh = en[:10] + EN_TOC + en[10:], zh[:10] + ZH_TOC + zh[10:]
    result = align_texts("\n\n".join(en), "\n\n".join(zh), encoder=encoder, checks=[])
    assert result.gaps == []
    assert any(result.en.paragraphs[b.en[0]].text == "1.4.5. The pager" and b.kind == "1-1"
               and result.zh.paragraphs[b.zh[0]].text == "1.4.5. 文件內容查看" for b in result.paragraph_beads)


def test_absorbed_paragraph_is_reported(encoder, mac_dev):
    """Literary paragraphs made of MAC-Dev gold beads (three a paragraph); the
    Chinese of paragraph 3 deleted. The aligner merges the orphaned English
    paragraph into its neighbour's bead; the detector takes it out (this
    failed before it: no gap at all)."""
    from align.beadfile import read_beads

    zh = (mac_dev / "src" / "001").read_text(encoding="utf-8").splitlines()
    en = (mac_dev / "tgt" / "001").read_text(encoding="utf-8").splitlines()
    beads = [b for b in read_beads(mac_dev / "gold" / "001.align") if b[0] and b[1]]
    paras = [beads[i:i + 3] for i in range(0, 60, 3)]
    en_text = "\n\n".join(" ".join(en[j] for b in p for j in b[1]) for p in paras)
    zh_text = "\n\n".join("".join(zh[j] for b in p for j in b[0]) for k, p in enumerate(paras) if k != 3)
    result = align_texts(en_text, zh_text, encoder=encoder, checks=[])
    gaps = [g for g in result.gaps if g.level == "paragraph"]
    assert [(g.only_in, g.paragraphs) for g in gaps] == [("en", (3,))]
    assert gaps[0].confidence >= 0.9
    # Every unit still in exactly one bead, in order.
    for side, total in (("en", len(result.en.paragraphs)), ("zh", len(result.zh.paragraphs))):
        assert [k for b in result.paragraph_beads for k in getattr(b, side)] == list(range(total))


def _auc(pos: list[float], neg: list[float]) -> float:
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def test_confidence_ranks_planted_deletions_above_translated_units(encoder, seed_body):
    """Four Chinese paragraphs of the seed deleted in each of three draws: the
    orphaned English paragraphs' gap confidence (0 when not reported) ranks above
    that of the translated ones."""
    en, zh = seed_body
    rng = random.Random(7)
    pos: list[float] = []
    neg: list[float] = []
    for _ in range(3):
        drop = set(rng.sample(range(30), 4))
        result = align_texts("\n\n".join(en), "\n\n".join(t for k, t in enumerate(zh) if k not in drop),
                             encoder=encoder, checks=[])
        conf = {p: g.confidence for g in result.gaps if g.only_in == "en" for p in g.paragraphs}
        pos += [conf.get(k, 0.0) for k in drop]
        neg += [conf.get(k, 0.0) for k in range(30) if k not in drop]
    assert _auc(pos, neg) >= 0.95
    assert min(pos) >= 0.9 and max(neg) < 0.5


def test_nearby_model_sits_above_random_pairs(encoder, seed_body):
    """The unrelated distribution of best-nearby cosines is higher than random
    pairs' (neighbours share the topic) and below the translated one."""
    from align.embed import embed_documents
    from align.gaps import fit_model
    from align.read import documents_from_texts

    en, zh = seed_body
    en_doc, zh_doc = documents_from_texts("\n\n".join(en), "\n\n".join(zh))
    emb = embed_documents(en_doc, zh_doc, encoder)
    beads = [Bead((k,), (k,)) for k in range(30)]
    near = nearby_model(emb.en_paragraphs, emb.zh_paragraphs, beads)
    rand = fit_model(emb.en_paragraphs, emb.zh_paragraphs, beads)
    assert rand.mu0 < near.mu0 < near.mu1


def test_ranked_lists_the_most_certain_first_with_ties_in_document_order():
    from align.gaps import ranked
    from align.models import Gap

    gaps = [Gap("paragraph", "en", (k,), (k,), k + 1, k + 1, f"p{k}", c)
            for k, c in enumerate((0.4, 0.99, 0.7, 0.99))]
    assert [g.text for g in ranked(gaps, "confidence")] == ["p1", "p3", "p2", "p0"]
    assert ranked(gaps) == gaps
    with pytest.raises(ValueError, match="document, confidence"):
        ranked(gaps, "size")


def test_check_sort_option(capsys, monkeypatch):
    from align.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["check", str(SEED_MIXED), "--sort", "size"]) == 2
    assert "--sort" in capsys.readouterr().err
    assert main(["check", str(SEED_MIXED), "--sort", "confidence", "--checks", "none"]) == 1  # gaps
    rows = [line.split("│") for line in capsys.readouterr().out.splitlines()
            if line.startswith(("│ en", "│ zh"))]
    confidences = [float(row[4]) for row in rows]
    assert len(confidences) >= 14 and confidences == sorted(confidences, reverse=True)


def test_model_pairs_are_those_in_blocks_spread_over_a_long_document():
    from align.gaps import MODEL_BLOCK, MODEL_BLOCKS, model_blocks, model_pairs, model_rows

    beads = [Bead((k,), (k,)) for k in range(3000)] + [Bead((3000, 3001), (3000,))]
    assert model_blocks(1000) == [range(1000)] and model_pairs(beads[:1000], 1000) == [(k, k) for k in range(1000)]
    blocks = model_blocks(3001)
    assert len(blocks) == MODEL_BLOCKS and all(len(b) == MODEL_BLOCK for b in blocks)
    assert blocks[0].start == 0 and blocks[-1].stop == 3001
    gaps_between = np.diff([b.start for b in blocks])
    assert gaps_between.max() - gaps_between.min() <= 1  # evenly spread
    pairs = model_pairs(beads, 3001)
    assert len(pairs) == MODEL_BLOCKS * (MODEL_BLOCK - 6)  # 3 from each end of a block are left out
    rows = set(model_rows(3001))
    assert all(set(range(j - 3, j + 4)) <= rows for _, j in pairs)  # every neighbour read is in the sample


class _Reads(np.ndarray):
    """An array that records which rows are read through indexing."""

    read: set[int]

    def __getitem__(self, key):
        rows = np.arange(len(self))[key[0] if isinstance(key, tuple) else key]
        self.read.update(np.atleast_1d(rows).tolist())
        return np.asarray(self).__getitem__(key)


def _reads(vecs: np.ndarray) -> _Reads:
    out = vecs.view(_Reads)
    out.read = set()
    return out


def test_the_detector_reads_only_the_rows_it_names(encoder, mac_dev, monkeypatch):
    """On a MAC-Dev chapter, with the cosine model fitted on a sample, the
    detector and the gaps read only the rows that ``detector_rows`` and
    ``gap_rows`` name (so a long text's gloss view is made for those only)."""
    import align.gaps as gaps
    from align.api import SentenceInputs
    from align.embed import embed_documents
    from align.gaps import SENTENCE_DETECTOR, detector_rows, gap_rows, gaps_from_beads, take_out_absorbed
    from align.read import documents_from_texts

    monkeypatch.setattr(gaps, "MODEL_BLOCKS", 2)
    monkeypatch.setattr(gaps, "MODEL_BLOCK", 40)
    zh_text = (mac_dev / "src" / "002").read_text(encoding="utf-8")
    en_text = (mac_dev / "tgt" / "002").read_text(encoding="utf-8")
    en, zh = documents_from_texts(en_text, zh_text, presplit=True)
    emb = embed_documents(en, zh, encoder)
    inp = SentenceInputs.of(en, zh, emb.en_raw, emb.zh_raw, lexical=True)
    lexical, quotes = (inp.ewords, inp.zwords), (inp.equote, inp.zquote)
    beads = list(align_texts(en_text, zh_text, presplit=True, encoder=encoder, checks=[]).sentence_beads)

    rows = detector_rows(beads, inp.elen, inp.zlen, SENTENCE_DETECTOR, lexical, quotes)
    ev, zv = _reads(emb.en), _reads(emb.zh)
    after = take_out_absorbed(beads, ev, zv, inp.elen, inp.zlen, SENTENCE_DETECTOR, lexical=lexical, quotes=quotes)
    assert zv.read and zv.read <= rows["zh"] and ev.read <= rows["en"]
    assert len(rows["zh"]) < len(zh.sentences) / 2
    rows = gap_rows(after, len(en.sentences), len(zh.sentences))
    ev, zv = _reads(emb.en), _reads(emb.zh)
    one = [Bead(tuple(range(len(en.paragraphs))), tuple(range(len(zh.paragraphs))))]
    assert gaps_from_beads(en, zh, one, after, ev, zv, emb.en_paragraphs, emb.zh_paragraphs)
    assert zv.read and zv.read <= rows["zh"] and ev.read <= rows["en"]
    assert len(rows["zh"]) < len(zh.sentences) / 2


@pytest.fixture(scope="module")
def detector_inputs(encoder, mac_dev):
    """Per MAC-Dev chapter: its aligned sentence beads *before* the sentence
    detector, its vectors and the detector's other inputs."""
    import align.api as api
    from align.api import SentenceInputs
    from align.embed import embed_documents
    from align.read import documents_from_texts

    def of(chapter: str):
        zh_text = (mac_dev / "src" / chapter).read_text(encoding="utf-8")
        en_text = (mac_dev / "tgt" / chapter).read_text(encoding="utf-8")
        seen: list = []
        original = api.take_out_absorbed

        def capture(beads, *args, **kwargs):
            seen.append(list(beads))
            return original(beads, *args, **kwargs)

        api.take_out_absorbed = capture
        try:
            align_texts(en_text, zh_text, presplit=True, encoder=encoder, checks=[])
        finally:
            api.take_out_absorbed = original
        en, zh = documents_from_texts(en_text, zh_text, presplit=True)
        emb = embed_documents(en, zh, encoder)
        inp = SentenceInputs.of(en, zh, emb.en_raw, emb.zh_raw, lexical=True)
        return seen[-1], emb, inp
    return of


def _taken(beads, emb, inp, *, parts) -> list[Bead]:
    from align.gaps import SENTENCE_DETECTOR, take_out_absorbed

    after = take_out_absorbed(beads, emb.en, emb.zh, inp.elen, inp.zlen, SENTENCE_DETECTOR,
                              lexical=(inp.ewords, inp.zwords), quotes=(inp.equote, inp.zquote), parts=parts)
    return [b for b in after if b.is_gap and b not in beads]


def test_a_sentence_that_renders_one_clause_is_not_taken_out(detector_inputs):
    """MAC-Dev 005: 她不相信，又不敢不信，心里有些挣扎。 is translated by "She could not
    believe it, neither did she dare not to believe it." and "Deep down her heart was in
    knots." (心里有些挣扎), a 1-2 bead the aligner gets right. Against the whole Chinese
    sentence the second one looks unrelated and taking it out raises the bead's cosine,
    so the detector took it out; against the Chinese clauses too, it stays."""
    beads, emb, inp = detector_inputs("005")
    bead = next(b for b in beads if len(b.zh) == 1 and emb.zh_doc.sentences[b.zh[0]].text.startswith("她不相信，又不敢不信"))
    assert [emb.en_doc.sentences[k].text for k in bead.en][-1] == "Deep down her heart was in knots."
    knots = Bead((bead.en[-1],), ())
    assert knots in _taken(beads, emb, inp, parts=None)
    assert knots not in _taken(beads, emb, inp, parts=emb.clauses)


def test_an_orphaned_sentence_is_still_taken_out_against_clauses(detector_inputs):
    """MAC-Dev 002's gold has "What did the others think?" with no Chinese: the
    aligner puts it in a bead with "Were they suspicious?'" (他们没起疑心罢？”). No clause
    of the Chinese renders it, so it is still taken out, and with a high confidence."""
    beads, emb, inp = detector_inputs("002")
    unit = next(s.index for s in emb.en_doc.sentences if s.text == "What did the others think?")
    assert any(unit in b.en and len(b.en) == 2 for b in beads)
    assert Bead((unit,), ()) in _taken(beads, emb, inp, parts=emb.clauses)


def test_clause_vectors_are_made_as_sentence_vectors_are(encoder, seed_body):
    """``Embedded.clauses`` embeds every run of up to three clauses but the whole;
    ``Embedded.texts`` processes a text as its sentences are (Chinese with its
    gloss view): a sentence's own text gives its vector back."""
    from align.embed import embed_documents
    from align.read import documents_from_texts
    from align.text import clause_runs

    en, zh = documents_from_texts("\n".join(seed_body[0][:6]), "\n".join(seed_body[1][:6]), presplit=True)
    emb = embed_documents(en, zh, encoder)
    for lang, doc, vecs in (("en", en, emb.en), ("zh", zh, emb.zh)):
        again = emb.texts(lang, [s.norm for s in doc.sentences])
        assert np.allclose(again, vecs, atol=1e-4)
        k = max(range(len(doc.sentences)), key=lambda i: len(clause_runs(doc.sentences[i].norm, lang)))
        runs = clause_runs(doc.sentences[k].norm, lang)
        assert len(runs) >= 3
        got = emb.clauses(lang, [k])
        assert got.shape == (len(runs), vecs.shape[1])
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        assert np.allclose(got, emb.texts(lang, runs), atol=1e-5)
