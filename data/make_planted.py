"""Make the planted-omission cases of ``data/planted/`` from the bilingual seed.

Each case is the seed's translated body (English lines 6-35 and the Chinese
paragraphs that translate them, seed lines 41-75 less the five with no English)
as two files, ``<case>.en.txt`` and ``<case>.zh.txt``, one paragraph per line
as in the seed, with one planted change, and ``<case>.expected.json`` saying
what was deleted and which text is left without its translation (the orphan
that ``align check`` must report). data/README.md describes each case.

Run from anywhere; it rewrites the files, or with ``--check`` only compares::

    python data/make_planted.py          # write data/planted/
    python data/make_planted.py --check  # exit 1 if a file differs from what it makes
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"
OUT = Path(__file__).resolve().parent / "planted"
EN_LINES = range(6, 36)  # the article's English paragraphs
ZH_LINES = range(41, 76)  # their Chinese, with the paragraphs below
ZH_ONLY = (48, 54, 56, 72, 74)  # Chinese paragraphs with no English (data/gold)


@dataclass(frozen=True)
class Body:
    """The translated body: parallel paragraphs and their seed line numbers."""

    en: list[str]
    zh: list[str]
    en_lines: list[int]
    zh_lines: list[int]


def read_body(seed: Path = SEED) -> Body:
    """The seed's 30 English paragraphs and the 30 Chinese ones that translate them.

    Args:
        seed: the bilingual seed file.

    Returns:
        The :class:`Body`, paragraph ``k`` of one side translating ``k`` of the other.
    """
    lines = seed.read_text(encoding="utf-8").split("\n")
    en_lines = list(EN_LINES)
    zh_lines = [n for n in ZH_LINES if n not in ZH_ONLY]
    body = Body([lines[n - 1] for n in en_lines], [lines[n - 1] for n in zh_lines], en_lines, zh_lines)
    assert len(body.en) == len(body.zh) == 30 and all(body.en) and all(body.zh)
    return body


def _orphan(body: Body, side: str, k: int, level: str, text: str | None = None) -> dict:
    """The description of the text left without a translation: paragraph ``k`` of ``side``."""
    lines = body.en_lines if side == "en" else body.zh_lines
    return {"only_in": side, "level": level, "paragraph": k, "line": k + 1, "seed_line": lines[k],
            "text": text if text is not None else (body.en if side == "en" else body.zh)[k]}


def _paragraph_deleted(body: Body, side: str, k: int) -> tuple[list[str], list[str], dict]:
    """Delete paragraph ``k`` of ``side``: its translation, paragraph ``k`` of the other, is the orphan."""
    en, zh = list(body.en), list(body.zh)
    removed = (en if side == "en" else zh).pop(k)
    other = "zh" if side == "en" else "en"
    seed_line = (body.en_lines if side == "en" else body.zh_lines)[k]
    deleted = {"side": side, "level": "paragraph", "paragraph": k, "seed_line": seed_line, "text": removed}
    return en, zh, {"deleted": deleted, "orphans": [_orphan(body, other, k, "paragraph")]}


def _zh_sentence_deleted(body: Body, k: int) -> tuple[list[str], list[str], dict]:
    """Keep only the first sentence of Chinese paragraph ``k``, as the pipeline splits it.

    Both sides of paragraph ``k`` must have two sentences; the orphan is the
    second English one.
    """
    from align.text import split_sentences

    en, zh = list(body.en), list(body.zh)
    zh_sentences, en_sentences = split_sentences(zh[k], "zh"), split_sentences(en[k], "en")
    assert len(zh_sentences) == len(en_sentences) == 2, "paragraph k must have two sentences a side"
    zh[k] = zh_sentences[0]
    deleted = {"side": "zh", "level": "sentence", "paragraph": k, "seed_line": body.zh_lines[k],
               "text": zh_sentences[1]}
    return en, zh, {"deleted": deleted, "orphans": [_orphan(body, "en", k, "sentence", en_sentences[1])]}


#: Case name -> (what was done, how the files are made from the body).
CASES = {
    "clean": ("The translated body unchanged: every paragraph has its translation; no gap.",
              lambda body: (list(body.en), list(body.zh), {"deleted": None, "orphans": []})),
    "en-paragraph-deleted": ("English paragraph 14 (seed line 20, \"He did not detail how the target would "
                             "be reached...\") deleted: its Chinese, 他沒有詳細說明目標..., is the orphan.",
                             lambda body: _paragraph_deleted(body, "en", 14)),
    "zh-paragraph-deleted": ("Chinese paragraph 5 (seed line 46, 在普遍要求徹底改變的情況下...) deleted: its "
                             "English, \"Amid popular demand for sweeping change...\", is the orphan.",
                             lambda body: _paragraph_deleted(body, "zh", 5)),
    "zh-sentence-deleted": ("The second sentence of Chinese paragraph 6 (seed line 47, 在每年 6,800 萬噸的總出口量"
                            "中...) deleted: the English sentence \"Out of total exports of 68 million "
                            "tonnes...\" is the orphan, inside a translated paragraph.",
                            lambda body: _zh_sentence_deleted(body, 6)),
}


def make(body: Body | None = None) -> dict[str, str]:
    """The files of every case: ``{file name: text}``.

    Args:
        body: the translated body (default: read from the seed).

    Returns:
        ``<case>.en.txt``, ``<case>.zh.txt`` and ``<case>.expected.json`` per case.
    """
    body = body or read_body()
    files: dict[str, str] = {}
    for name, (description, build) in CASES.items():
        en, zh, expected = build(body)
        files[f"{name}.en.txt"] = "\n".join(en) + "\n"
        files[f"{name}.zh.txt"] = "\n".join(zh) + "\n"
        record = {"case": name, "description": description, "seed": SEED.name,
                  "en_paragraphs": len(en), "zh_paragraphs": len(zh), **expected}
        files[f"{name}.expected.json"] = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    """Write the cases into ``data/planted/`` (or, with ``--check``, compare them)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a file differs")
    args = parser.parse_args(argv)
    files = make()
    if args.check:
        stale = [name for name, text in files.items()
                 if not (OUT / name).is_file() or (OUT / name).read_text(encoding="utf-8") != text]
        for name in stale:
            print(f"{OUT / name}: differs from what make_planted.py makes", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files into {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
