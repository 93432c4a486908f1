"""``align inspect``: JSON and text output, flags, errors."""

from __future__ import annotations

import json

import pytest

import align.read
from align.cli import main


def test_inspect_json_on_the_seed(capsys, seed_mixed):
    assert main(["inspect", str(seed_mixed), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"en", "zh"}
    en, zh = data["en"], data["zh"]
    assert (en["path"], en["encoding"], en["variant"]) == (str(seed_mixed), "utf-8", None)
    assert zh["variant"] == "traditional"
    first = zh["paragraphs"][0]
    assert (first["line"], first["end_line"], first["kind"]) == (38, 40, "body")
    assert first["sentences"][0] == {"line": 38, "end_line": 40, "text": first["sentences"][0]["text"]}
    assert first["sentences"][0]["text"].startswith("阿拉木圖")  # original Traditional text
    kinds = {p["text"]: p["kind"] for p in en["paragraphs"]}
    assert kinds["By Olzhas Auyezov"] == "byline" and kinds["Translation"] == "heading"
    assert [p["line"] for p in en["paragraphs"] if p["text"].startswith("Kazakhstan currently")] == [12]
    assert en["paragraphs"][-1]["line"] == 76 and en["paragraphs"][-1]["end_line"] == 83


def test_inspect_text_output(capsys, seed_mixed):
    assert main(["inspect", str(seed_mixed)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== en  ")
    assert "== zh  " in out and "traditional" in out
    assert "¶0 lines 38-40 body" in out
    assert "   48 雖然沒有什麼可以取代這一數量" in out


@pytest.mark.parametrize(("argv", "expected"), [
    (["inspect", "a.txt"], (("a.txt", None), {"presplit": False})),
    (["inspect", "a.txt", "b.txt", "--presplit"], (("a.txt", "b.txt"), {"presplit": True})),
    (["inspect", "--json", "b.txt", "a.txt"], (("b.txt", "a.txt"), {"presplit": False})),
])
def test_inspect_forwards_to_read_documents(monkeypatch, capsys, tmp_path, argv, expected):
    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):  # existing inputs: "--json b.txt" reads b.txt, never writes it
        (tmp_path / name).write_text("One sentence.\n", encoding="utf-8")
    calls = []

    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        return align.read.documents_from_texts("One sentence.", "一句話。")

    monkeypatch.setattr(align.read, "read_documents", fake)
    assert main(argv) == 0
    assert calls == [expected]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "One sentence.\n"


def test_inspect_missing_file(capsys, tmp_path):
    missing = tmp_path / "missing.txt"
    assert main(["inspect", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err and str(missing) in err


def test_inspect_same_language(capsys, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("One sentence.\n", encoding="utf-8")
    b.write_text("Another sentence.\n", encoding="utf-8")
    assert main(["inspect", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "both files are English" in err
