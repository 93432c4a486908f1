"""Reading files: encodings, line ends, errors, language detection, mixed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.errors import InputError
from align.read import (
    detect_lang,
    documents_from_texts,
    load_documents,
    read_file,
    split_by_script,
)
from align.text import normalize_zh

SEED_LINES = (Path(__file__).resolve().parent.parent / "seeds" / "000_f1284998f700f5c0.txt").read_text(
    encoding="utf-8").split("\n")
SEED = "\n".join(SEED_LINES)
EN_PART = "\n".join(SEED_LINES[:36]) + "\n"  # lines 1-36
ZH_PART = "\n".join(SEED_LINES[37:75]) + "\n"  # lines 38-75


def _encodable(text: str, encoding: str) -> str:
    """The lines of ``text`` that ``encoding`` can encode (Big5 lacks 举, 库...)."""
    kept = []
    for line in text.split("\n"):
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            continue
        kept.append(line)
    return "\n".join(kept)


# (label, text, codec used to write, encoding read_file must report)
ENCODING_CASES = [
    ("utf-8", SEED, "utf-8", "utf-8"),
    ("utf-8 BOM", SEED, "utf-8-sig", "utf-8-sig"),
    ("utf-16 BOM", SEED, "utf-16", "utf-16"),
    ("utf-16-le no BOM", SEED, "utf-16-le", "utf-16-le"),
    ("utf-16-be no BOM", SEED, "utf-16-be", "utf-16-be"),
    ("utf-32 BOM", SEED, "utf-32", "utf-32"),
    ("gb18030 traditional", SEED, "gb18030", "gb18030"),
    ("gb18030 simplified", normalize_zh(ZH_PART), "gb18030", "gb18030"),
    ("big5", _encodable(SEED, "big5"), "big5", "big5"),
    # Texts whose bytes also decode strictly in the other codec: plausibility decides.
    ("gb18030 also valid big5", "他直言不讳的言论令观察家感到意外,并引发了俄罗斯媒体中一些支持战争的评论员的愤怒威吓。",
     "gb18030", "gb18030"),
    ("big5 also valid gb18030", "不太清楚的是,這位前外交官如何能夠減少他的資源豐富國家對俄羅斯的依賴, 而不令它感到憤恨沮喪。",
     "big5", "big5"),
]


@pytest.mark.parametrize(("label", "text", "codec", "expected"), ENCODING_CASES, ids=[c[0] for c in ENCODING_CASES])
def test_encodings_round_trip(tmp_path, label, text, codec, expected):
    path = tmp_path / "in.txt"
    path.write_bytes(text.encode(codec))
    assert read_file(path) == (text, expected)


def test_big5_sample_is_substantial():
    assert len(_encodable(ZH_PART, "big5").split("\n")) >= 20


def test_both_codecs_decode_the_ambiguous_samples():
    gb = ENCODING_CASES[-2][1].encode("gb18030")
    big5 = ENCODING_CASES[-1][1].encode("big5")
    assert gb.decode("big5") and big5.decode("gb18030")  # neither raises


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_line_ends_are_normalised(tmp_path, newline, seed_mixed):
    path = tmp_path / "seed.txt"
    path.write_bytes(SEED.replace("\n", newline).encode("utf-8"))
    text, _ = read_file(path)
    assert text == SEED
    en, zh = load_documents(path)
    en0, zh0 = load_documents(seed_mixed)
    assert [(p.line, p.end_line, p.text) for p in en.paragraphs] == [(p.line, p.end_line, p.text) for p in en0.paragraphs]
    assert [(s.line, s.text) for s in zh.sentences] == [(s.line, s.text) for s in zh0.sentences]


ERROR_CASES = [
    ("missing", None, "no such file"),
    ("directory", "dir", "is a directory"),
    ("empty", b"", "is empty"),
    ("whitespace only", b" \n\t\r\n\xe3\x80\x80\n", "is empty"),
    ("binary with NUL", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 8, "not a text file"),
    ("undecodable", b"\x80\x81\xff\xfe\x80" * 40, "not a text file"),
    ("utf-16 with control bytes", "abc".encode("utf-16") + b"\x01\x00\x02\x00", "not a text file"),
]


@pytest.mark.parametrize(("label", "content", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_unusable_files(tmp_path, label, content, message):
    path = tmp_path / "in.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_file(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("text", "lang"), [
    (SEED_LINES[5], "en"),
    (SEED_LINES[37], "zh"),  # 阿拉木圖(路透社)- 毫無疑問,Kassym-Jomart: 11 Han, 12 Latin
    (SEED_LINES[38], "zh"),  # Tokayev 在周日...
    ("The sign said 容量 in large letters.", "en"),
    (EN_PART, "en"),
    (ZH_PART, "zh"),
    (SEED, "en"),
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_detect_lang_without_letters():
    with pytest.raises(InputError, match="no letters"):
        detect_lang("2022 - 3.5 %\n…")


def test_split_by_script_keeps_line_numbers():
    parts = split_by_script(SEED)
    assert len(parts["en"]) == len(parts["zh"]) == len(SEED_LINES)
    assert parts["en"][36] == "Translation" and parts["zh"][36] == ""
    assert parts["zh"][37] == SEED_LINES[37] and parts["en"][37] == ""
    assert parts["en"][75] == SEED_LINES[75]


def test_lines_without_letters_follow_the_previous_line():
    parts = split_by_script("第一行。\n2022\nEnglish line.\n---")
    assert parts["zh"] == ["第一行。", "2022", "", ""]
    assert parts["en"] == ["", "", "English line.", "---"]


def _outline(doc):
    return [(p.line, p.end_line, p.kind, p.text) for p in doc.paragraphs]


def test_one_mixed_file(seed_mixed):
    en, zh = load_documents(seed_mixed)
    assert (en.lang, zh.lang) == ("en", "zh")
    assert (en.path, en.encoding, zh.encoding) == (str(seed_mixed), "utf-8", "utf-8")
    assert (en.variant, zh.variant) == (None, "traditional")
    starts = {p.text[:14]: p.line for p in en.paragraphs + zh.paragraphs}
    assert starts["Kazakhstan cur"] == 12
    assert starts["雖然沒有什麼可以取代這一數量"] == 48
    assert (zh.paragraphs[0].line, zh.paragraphs[0].end_line) == (38, 40)
    # The separator line is kept as English paratext; the closing comment is one paragraph.
    assert _outline(en)[-2][:3] == (37, 37, "heading")
    assert _outline(en)[-1][:3] == (76, 83, "body")
    assert all(38 <= p.line <= 75 for p in zh.paragraphs)
    assert all(not 38 <= p.line <= 75 for p in en.paragraphs)


def test_two_files_in_either_order(tmp_path):
    en_file, zh_file = tmp_path / "en.txt", tmp_path / "zh.txt"
    en_file.write_text(EN_PART, encoding="utf-8")
    zh_file.write_bytes(ZH_PART.encode("utf-16"))
    en, zh = load_documents(en_file, zh_file)
    zh2_en, zh2_zh = load_documents(zh_file, en_file)
    assert _outline(en) == _outline(zh2_en) and _outline(zh) == _outline(zh2_zh)
    assert (en.path, zh.path, zh.encoding) == (str(en_file), str(zh_file), "utf-16")
    assert zh.paragraphs[0].line == 1 and en.paragraphs[-1].line == 36


@pytest.mark.parametrize(("part", "name"), [(EN_PART, "English"), (ZH_PART, "Chinese")])
def test_same_language_twice(tmp_path, part, name):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(part, encoding="utf-8")
    b.write_text(part, encoding="utf-8")
    with pytest.raises(InputError, match=f"both files are {name}"):
        load_documents(a, b)


@pytest.mark.parametrize(("part", "message"), [
    (EN_PART, "holds only English text; give the Chinese text too"),
    (ZH_PART, "holds only Chinese text; give the English text too"),
])
def test_mixed_file_with_one_language(tmp_path, part, message):
    path = tmp_path / "one.txt"
    path.write_text(part, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_documents(path)


def test_file_without_letters(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(EN_PART, encoding="utf-8")
    b.write_text("1 2 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no letters"):
        load_documents(a, b)


def test_documents_from_texts():
    en, zh = documents_from_texts(EN_PART.replace("\n", "\r\n"), ZH_PART)
    assert en.paragraphs[0].text == SEED_LINES[0] and zh.paragraphs[0].line == 1
    assert en.path is None and zh.variant == "traditional"
    with pytest.raises(InputError, match="Chinese text is empty"):
        documents_from_texts(EN_PART, " \n")


def test_presplit_mac_dev(mac_dev):
    for chapter in sorted(p.name for p in (mac_dev / "src").iterdir()):
        for zh_dir in ("src", "src_trad"):
            en, zh = load_documents(mac_dev / "tgt" / chapter, mac_dev / zh_dir / chapter, presplit=True)
            for doc, folder in ((en, "tgt"), (zh, zh_dir)):
                lines = (mac_dev / folder / chapter).read_text(encoding="utf-8").splitlines()
                assert [s.text for s in doc.sentences] == [line.strip() for line in lines]
                assert [s.line for s in doc.sentences] == list(range(1, len(lines) + 1))
            assert zh.variant == ("traditional" if zh_dir == "src_trad" else "simplified")


def test_one_sentence_a_line_without_presplit_gets_a_hint(tmp_path, mac_dev, capsys):
    """A MAC-Dev chapter (one sentence a line, no blank line) read without
    --presplit: one warning naming --presplit; none with it, and none for the seed's
    paragraphs (blank lines between them) or a short text."""
    from align.cli import main
    from align.read import load_documents

    en, zh = mac_dev / "tgt" / "004", mac_dev / "src" / "004"
    docs = load_documents(en, zh)
    assert len(docs[0].warnings) == 1 and "--presplit" in docs[0].warnings[0] and not docs[1].warnings
    assert not any(d.warnings for d in load_documents(en, zh, presplit=True))
    body = [line for line in Path(en).read_text(encoding="utf-8").splitlines()[:40]]
    (tmp_path / "en.txt").write_text("\n\n".join(body), encoding="utf-8")  # paragraphs
    (tmp_path / "zh.txt").write_text(Path(zh).read_text(encoding="utf-8"), encoding="utf-8")
    assert not any(d.warnings for d in load_documents(tmp_path / "en.txt", tmp_path / "zh.txt"))
    (tmp_path / "short.txt").write_text("\n".join(body[:10]), encoding="utf-8")
    assert not any(d.warnings for d in load_documents(tmp_path / "short.txt", tmp_path / "zh.txt"))
    code = main(["pair", str(en), str(zh), "-o", str(tmp_path / "out.tsv"), "-q"])
    err = capsys.readouterr().err
    assert code == 0 and err.count("--presplit") == 1 and err.startswith("align: warning:"), err
