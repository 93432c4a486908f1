"""Property-based tests (hypothesis) of the readers, the sentence splitters, the
aligner's bead lists and the exporters (issue 8).

* Reading: any text written as UTF-8, UTF-8 with BOM or UTF-16, with LF, CRLF or
  CR line ends, reads back as the text with ``\\n`` line ends and no BOM.
* Splitting never loses or reorders characters: the sentences joined give the
  paragraph back, up to whitespace (and invisible marks in a paragraph that is
  only marks), and no sentence is longer than ``MAX_SENTENCE``.
* Documents: every sentence belongs to its paragraph, indices are consecutive,
  line numbers stay inside the paragraph.
* Alignment: every sentence lands in exactly one bead, in order.
* Omission check: Chinese clauses, their units' offsets and the runs inside a
  clause stay inside the text, in order.
* Exporters: TMX, TSV and JSONL written and read back give the same pairs, up
  to the documented normalisations (single-line formats fold tabs and line
  breaks to spaces; TMX removes characters XML 1.0 forbids; lone surrogates
  become U+FFFD).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from align.api import align_documents
from align.exporters import export
from align.exporters.base import single_line
from align.exporters.tmx import _NOT_XML
from align.models import Alignment, Bead, Document, Paragraph, Sentence
from align.read import read_file
from align.text import MAX_SENTENCE, _invisible, build_document, quote_states, split_sentences

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Characters that make splitting and exporting interesting: sentence punctuation
# of both languages, quotes, whitespace and line breaks of every kind, controls,
# invisible marks, emoji, CJK extension B, markup.
SPECIAL = list(".!?;。！？；…」』”’\"'()（）,，、 \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u3000"
               "\x01\x07\x1b\x7f\u200b\u200e\u200f\u2060\ufeff\xad😀👍🏽𠀀𪚥<>&")
LETTERS = st.sampled_from(list("abcxyzABCXYZ0123456789") + list("中文句子測試哈薩克斯坦"))
TEXT = st.text(st.one_of(LETTERS, st.sampled_from(SPECIAL), st.characters(codec="utf-8")),
               max_size=200)
# Text as a file may hold it: no NUL (a binary marker), no lone surrogates.
FILE_TEXT = st.text(st.one_of(LETTERS, st.sampled_from(SPECIAL),
                              st.characters(codec="utf-8", exclude_characters="\x00")),
                    min_size=1, max_size=200)


def squash(text: str) -> str:
    return "".join(text.split())


# --- reading ---------------------------------------------------------------------------


@SETTINGS
@given(text=FILE_TEXT, codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_read_file_round_trip(tmp_path_factory, text, codec, newline):
    text = text.replace("\r", "")
    if codec == "utf-16":  # UTF-16 text with control characters is taken for binary data
        text = re.sub("[\x00-\x08\x0e-\x1f\x7f]", "", text)
    if not text.replace("\ufeff", "").strip():
        return
    path = tmp_path_factory.mktemp("read") / "in.txt"
    path.write_bytes(text.replace("\n", newline).encode(codec))
    read, encoding = read_file(path)
    assert read == text.replace("\ufeff", "")
    assert encoding == codec


# --- splitting ---------------------------------------------------------------------------


@SETTINGS
@given(text=TEXT, lang=st.sampled_from(["en", "zh"]))
def test_splitting_keeps_every_character_in_order(text, lang):
    pieces = split_sentences(text, lang)
    if _invisible(text):
        assert pieces == []
        return
    assert squash("".join(pieces)) == squash(text)
    assert all(piece and piece == piece.strip() for piece in pieces)
    assert all(len(piece) <= MAX_SENTENCE for piece in pieces)


@settings(max_examples=30, deadline=None)
@given(words=st.lists(st.sampled_from(["word", "Mr.", "'quoted", "end.", "It's", "Yes!", "字",
                                       "句。", "「引」", "3.5", "6,800"]), min_size=300, max_size=900),
       lang=st.sampled_from(["en", "zh"]))
def test_long_paragraphs_are_cut_losslessly(words, lang):
    text = (" " if lang == "en" else "").join(words)
    pieces = split_sentences(text, lang)
    assert squash("".join(pieces)) == squash(text)
    assert max(map(len, pieces)) <= MAX_SENTENCE


@SETTINGS
@given(lines=st.lists(TEXT.map(lambda t: t.replace("\n", " ")), min_size=1, max_size=12),
       lang=st.sampled_from(["en", "zh"]), presplit=st.booleans())
def test_documents_keep_sentences_inside_paragraphs(lines, lang, presplit):
    lines = [re.sub("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", " ", line) for line in lines]
    if all(_invisible(line) for line in lines):
        return
    doc = build_document(lines, lang, presplit=presplit)
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    for p in doc.paragraphs:
        assert p.sentences, p
        assert squash("".join(s.text for s in p.sentences)) == squash(p.text) or presplit
        for s in p.sentences:
            assert s.text in p.text and s.paragraph == p.index
            assert p.line <= s.line <= s.end_line <= p.end_line
    visible = squash("".join(line for line in lines if not _invisible(line.strip())))
    assert squash("".join(s.text for s in doc.sentences)) == visible


QUOTE_TEXT = st.text(alphabet=st.sampled_from(list("ab .!?'\"‘’“”「」『』字，。")), max_size=40)


@given(lines=st.lists(QUOTE_TEXT, min_size=1, max_size=10), lang=st.sampled_from(["en", "zh"]))
def test_quote_states_one_per_sentence_and_reset_by_paragraph(lines, lang):
    """Any marks, balanced or not: one state per sentence, and a paragraph that
    opens no quotation is outside one, whatever came before."""
    if all(_invisible(line) for line in lines):
        return
    doc = build_document([*lines, "", "字" if lang == "zh" else "ab."], lang, presplit=True)
    states = quote_states(doc)
    assert len(states) == len(doc.sentences)
    assert states[-1] is False

# --- alignment --------------------------------------------------------------------------------


class HashEncoder:
    name, dim = "hash", 16

    def signature(self) -> str:
        return "hash:1"

    def encode(self, texts, *, batch_size=32):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha1(text.encode("utf-8", "replace")).digest()[:4], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _covered(beads: list[Bead], lang: str, count: int) -> None:
    seen = [i for b in beads for i in getattr(b, lang)]
    assert seen == list(range(count))  # each unit once, in order


@settings(max_examples=40, deadline=None)
@given(en=st.lists(st.lists(st.sampled_from(["Cats sleep.", "Dogs bark loudly.", "It rains.",
                                             "Prices rose 5%.", "He left."]), min_size=1, max_size=4),
                   min_size=1, max_size=6),
       zh=st.lists(st.lists(st.sampled_from(["貓在睡覺。", "狗大聲叫。", "下雨了。", "價格上漲5%。",
                                             "他走了。"]), min_size=1, max_size=4),
                   min_size=1, max_size=6))
def test_every_sentence_lands_in_exactly_one_bead(en, zh):
    en_doc = build_document("\n\n".join(" ".join(p) for p in en).split("\n"), "en")
    zh_doc = build_document("\n\n".join("".join(p) for p in zh).split("\n"), "zh")
    result = align_documents(en_doc, zh_doc, encoder=HashEncoder(), checks=[])
    _covered(result.sentence_beads, "en", len(en_doc.sentences))
    _covered(result.sentence_beads, "zh", len(zh_doc.sentences))
    _covered(result.paragraph_beads, "en", len(en_doc.paragraphs))
    _covered(result.paragraph_beads, "zh", len(zh_doc.paragraphs))


# --- exporters --------------------------------------------------------------------------------


def _document(lang: str, texts: list[str]) -> Document:
    sentences = tuple(Sentence(t, t, i + 1, i + 1, i, i) for i, t in enumerate(texts))
    paragraphs = tuple(Paragraph(s.text, s.text, s.line, s.line, s.index, (s,)) for s in sentences)
    return Document(lang, paragraphs, f"{lang}.txt", "utf-8", "simplified" if lang == "zh" else None)


ANY_TEXT = st.text(st.one_of(LETTERS, st.sampled_from(SPECIAL), st.characters()), min_size=1,
                   max_size=60)


@st.composite
def alignments(draw) -> Alignment:
    """1-1 beads of arbitrary text, with a few 1-0 and 0-1 gaps in between."""
    pairs = draw(st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=1, max_size=8))
    en, zh, beads = [], [], []
    for en_text, zh_text in pairs:
        kind = draw(st.sampled_from(["1-1", "1-1", "1-0", "0-1"]))
        if kind != "0-1":
            en.append(en_text)
        if kind != "1-0":
            zh.append(zh_text)
        beads.append(Bead((len(en) - 1,) if kind != "0-1" else (),
                          (len(zh) - 1,) if kind != "1-0" else (), 0.5))
    return Alignment(_document("en", en), _document("zh", zh), list(beads), beads, [])


def expected_pairs(a: Alignment, fold) -> list[tuple[str, str]]:
    return [(fold(a.en.sentences[b.en[0]].text), fold(a.zh.sentences[b.zh[0]].text))
            for b in a.sentence_beads if not b.is_gap]


def _utf8(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


@SETTINGS
@given(alignment=alignments())
def test_jsonl_round_trip(tmp_path_factory, alignment):
    path = tmp_path_factory.mktemp("jsonl") / "out.jsonl"
    export(alignment, path)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(alignment.sentence_beads)  # gaps included
    assert [(r["en"], r["zh"]) for r in records if not r["gap"]] == expected_pairs(alignment, _utf8)


@SETTINGS
@given(alignment=alignments(), src_lang=st.sampled_from(["en", "zh"]))
def test_tsv_round_trip(tmp_path_factory, alignment, src_lang):
    path = tmp_path_factory.mktemp("tsv") / "out.tsv"
    export(alignment, path, src_lang=src_lang)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter="\t", quoting=csv.QUOTE_NONE))
    header, rows = rows[0], rows[1:]
    assert header[:2] == ([src_lang, "zh" if src_lang == "en" else "en"])
    got = [(r[0], r[1]) if src_lang == "en" else (r[1], r[0]) for r in rows]
    assert got == expected_pairs(alignment, lambda t: _utf8(single_line(t)))


@SETTINGS
@given(alignment=alignments())
def test_tmx_round_trip(tmp_path_factory, alignment):
    path = tmp_path_factory.mktemp("tmx") / "out.tmx"
    export(alignment, path)
    root = ET.parse(path).getroot()
    got = [tuple(seg.text or "" for seg in tu.iter("seg")) for tu in root.iter("tu")]
    assert got == expected_pairs(alignment, lambda t: _NOT_XML.sub("", single_line(t)))


def _wrap_width_by_scan(runs, below_wider=False):
    """The definition of ``text._wrap_width``, by counting (quadratic)."""
    from align.text import MIN_WRAP_WIDTH, _measured, _width

    pool = sorted((_width(line) for run in runs for line in run if _measured(line)), reverse=True)
    for wider, wrap in enumerate(pool if below_wider else pool[:1]):
        if wrap < MIN_WRAP_WIDTH:
            break
        near = sum(1 for w in pool[wider:] if w >= wrap - max(8, wrap // 8))
        if near >= 3 and 3 * near >= len(pool) - wider and wider < near:
            return wrap
    return None


@SETTINGS
@given(st.lists(st.lists(st.one_of(st.integers(1, 160).map(lambda n: "ab " * (n // 3) + "c" * (n % 3)),
                                   st.integers(1, 60).map(lambda n: "漢" * n)), min_size=1, max_size=12),
                min_size=1, max_size=8), st.booleans())
def test_wrap_width_counts_as_its_definition(runs, below_wider):
    """The wrap estimate found by search equals the one found by counting."""
    from align.text import _wrap_width

    assert _wrap_width(runs, below_wider=below_wider) == _wrap_width_by_scan(runs, below_wider)


#: Words of which some translate the English below (软件包, 維護, 源代碼, aptitude)
#: and some do not (乾隆, 蘋果, 天空), conjunctions, figures, a translator's note.
_ZH_WORDS = st.sampled_from(["软件包", "維護", "源代碼", "aptitude", "乾隆", "蘋果", "天空", "並", "而且",
                             "如果", "以便", "的", "6,800", "（译注：注）", "（", "）", " ", "臺灣"])
_ZH_TEXT = st.lists(st.lists(_ZH_WORDS, min_size=1, max_size=8).map("".join), min_size=1, max_size=5).map(
    lambda clauses: "，".join(clauses) + "。")


@given(zh=_ZH_TEXT, en=st.sampled_from(["Maintain the package and its source code with aptitude.",
                                        "Taiwan has 6,800 packages.", "If it fails, try again."]))
@SETTINGS
def test_omission_clauses_and_runs_stay_inside_the_text(zh, en):
    from align.qa.omission import align_sides, inner_candidates, zh_clauses

    clauses = zh_clauses(zh)
    assert all(zh[c.start:c.end] == c.text for c in clauses)
    assert all(c.end <= d.start for c, d in pairwise(clauses))
    for c in clauses:  # each unit's offsets lie in its clause, in order
        assert not c.at or len(c.at) == len(c.units)
        assert all(c.start <= s < e <= c.end for s, e in c.at)
        assert all(e <= s for (_, e), (s, _) in pairwise(c.at))
    _, side = align_sides(en, zh)
    for cand in inner_candidates(side):
        assert zh[cand.start:cand.end] == cand.text and cand.text.strip()
        assert cand.matched == 0 and cand.side.matched[cand.lo] == (False,) * cand.units
