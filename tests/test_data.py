"""data/planted: the committed planted-omission cases are what data/make_planted.py
makes from the seed, and each says truly what was deleted and what is left
orphaned (the alignment itself is tested in tests/test_aligner.py)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from tests.conftest import DATA

PLANTED = DATA / "planted"


def _script():
    spec = importlib.util.spec_from_file_location("make_planted", DATA / "make_planted.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_planted"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_committed_cases_are_what_the_script_makes():
    script = _script()
    files = script.make()
    assert sorted(files) == sorted(p.name for p in PLANTED.iterdir())
    for name, text in files.items():
        assert (PLANTED / name).read_text(encoding="utf-8") == text, f"rerun python data/make_planted.py ({name})"
    assert script.main(["--check"]) == 0


@pytest.mark.parametrize("case", sorted({p.name.split(".")[0] for p in PLANTED.glob("*.expected.json")}))
def test_case_says_what_was_deleted_and_orphaned(case, seed_mixed):
    expected = json.loads((PLANTED / f"{case}.expected.json").read_text(encoding="utf-8"))
    sides = {lang: (PLANTED / f"{case}.{lang}.txt").read_text(encoding="utf-8").split("\n")[:-1]
             for lang in ("en", "zh")}
    assert (len(sides["en"]), len(sides["zh"])) == (expected["en_paragraphs"], expected["zh_paragraphs"])
    seed = seed_mixed.read_text(encoding="utf-8").split("\n")
    deleted = expected["deleted"]
    if deleted is not None:
        assert deleted["text"] in seed[deleted["seed_line"] - 1]
        assert not any(deleted["text"] in line for line in sides[deleted["side"]])
    for orphan in expected["orphans"]:
        line = sides[orphan["only_in"]][orphan["line"] - 1]
        assert orphan["text"] in line and line == seed[orphan["seed_line"] - 1]
