"""The command line: one convention for every command (issue 18).

A table runs every subcommand with ``--help`` and checks that the shared
options exist with the same meaning (fastapi-cli ``tests/test_cli.py``); then
one test per item of the issue, on the seeds, through :func:`align.cli.main`.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from align.beadfile import read_beads
from align.cli import app, main, with_optional_values
from align.exporters import FORMATS
from align.read import read_documents
from tests.conftest import DATA, ROOT, SEED_MIXED, SEEDS

etree = pytest.importorskip("lxml.etree")

SEED_EN_ONLY = SEEDS / "003_1acb435d73729caa.txt"
GOLD_SENTENCES = DATA / "gold" / "000_f1284998f700f5c0.sentences.align"
GOLD_PARAGRAPHS = DATA / "gold" / "000_f1284998f700f5c0.paragraphs.align"
COMMANDS = sorted(name for name, cmd in get_command(app).commands.items() if not cmd.hidden)

# Shared option -> the commands that must have it. Same declarations, same metavar,
# and (where the meaning is the same word for word) the same help everywhere.
SHARED = {
    "--output": {"check", "pair", "batch", "export"},
    "--format": {"check", "pair", "batch", "export"},
    "--json": {"inspect", "check", "pair", "eval"},
    "--quiet": {"check", "pair", "batch", "export"},
    "--zh-lang": {"check", "pair", "batch", "export"},
    "--src-lang": {"pair", "batch", "export", "eval"},
    "--model": {"check", "pair", "batch"},
    "--no-cache": {"check", "pair", "batch"},
    "--presplit": {"inspect", "check", "pair", "batch"},
    "--input-format": {"inspect", "check", "pair"},
}
SHORT = {"--output": "-o", "--format": "-f", "--quiet": "-q", "--model": "-m"}
SAME_HELP = {"--zh-lang", "--model", "--no-cache", "--presplit", "--input-format"}
SAME_METAVAR = {"--json", "--zh-lang", "--src-lang", "--model", "--input-format"}


def _params(name: str) -> dict[str, object]:
    """The options of a subcommand by long name (hidden aliases included)."""
    command = get_command(app).commands[name]
    return {opt: p for p in command.params for opt in p.opts if opt.startswith("--")}


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tmx(path: Path):
    root = etree.parse(str(path))
    assert etree.DTD(str(DATA / "tmx14.dtd")).validate(root), "not valid TMX 1.4b"
    return root.getroot()


def _props(element) -> dict[str, str]:
    return {p.get("type"): p.text for p in element.findall("prop")}


# --- the --help table -------------------------------------------------------------------

def test_every_command_is_in_the_table():
    assert set(COMMANDS) >= {"inspect", "check", "pair", "batch", "eval", "encoders", "export"}
    assert set().union(*SHARED.values()) <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_of_every_command(name):
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "<bool>" not in text, "a flag shows <bool>"
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    for option, commands in SHARED.items():
        if name in commands:
            assert option in text, f"{name} lacks {option}"
            if option in SHORT:
                assert SHORT[option] in _params(name)[option].opts
    for option, param in _params(name).items():
        if param.hidden:  # old spellings stay out of the help
            assert not re.search(rf"{option}(?![\w-])", text), option


@pytest.mark.parametrize("option", sorted(SHARED))
def test_shared_options_mean_the_same_everywhere(option):
    params = {name: _params(name)[option] for name in sorted(SHARED[option])}
    decls = {name: tuple(sorted(p.opts)) for name, p in params.items()}
    assert len(set(decls.values())) == 1, decls
    if option in SAME_METAVAR:
        metavars = {name: p.metavar for name, p in params.items()}
        assert len(set(metavars.values())) == 1, metavars
    if option in SAME_HELP:
        helps = {name: p.help for name, p in params.items()}
        assert len(set(helps.values())) == 1, helps
    if option == "--json":  # only what is written differs ("the scores", "the full result")
        endings = {p.help.split(" as JSON ")[1] for p in params.values()}
        assert len(endings) == 1 and "standard output" in endings.pop()
    if option == "--output":
        assert params["batch"].metavar == "FOLDER" and "folder" in params["batch"].help.lower()
        assert {p.metavar for name, p in params.items() if name != "batch"} == {"PATH"}
        assert all("folder" not in p.help.lower() for name, p in params.items() if name != "batch")
    if option == "--format":  # choices come from the registry: help and code cannot drift
        for p in params.values():
            assert all(key in p.help for key in FORMATS), p.help


# --- item 1: the mixed file everywhere ----------------------------------------------------

def test_item01_pair_takes_the_mixed_seed_and_writes_valid_tmx(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "seed.tmx"
    code, _, err = _run(["pair", "seeds/000_f1284998f700f5c0.txt", "-o", out], capsys)
    assert code == 0, err
    root = _tmx(out)
    gold_pairs = [(en, zh) for en, zh in read_beads(GOLD_SENTENCES) if en and zh]
    units = root.findall("body/tu")
    assert len(units) == len(gold_pairs) == 40
    first = [seg.text for seg in units[0].findall("tuv/seg")]
    assert first[0].startswith("Tokayev – who opinion polls") and first[1].startswith("Tokayev - 民意調查")
    assert root.find("header").get("srclang") == "en"
    assert _props(root.find("header"))["x-en-file"] == "seeds/000_f1284998f700f5c0.txt"



def test_pair_runs_the_cheap_checks_unless_asked(tmp_path, capsys, monkeypatch):
    """``pair`` builds corpora: by default it skips the omission check, which embeds
    every clause; ``--checks`` turns it on; a bad name fails before aligning."""
    from align.qa import PAIR_CHECKS

    monkeypatch.chdir(ROOT)
    runs = {"default": [], "omission": ["--checks", "omission"], "all": ["--checks", "all"]}
    ran = {}
    for name, extra in runs.items():
        out = tmp_path / f"{name}.json"
        code, _, err = _run(["pair", "seeds/000_f1284998f700f5c0.txt", "--json", out, "-q", *extra], capsys)
        assert code == 0, err
        ran[name] = json.loads(out.read_text(encoding="utf-8"))["settings"]["checks"]
    assert ran["default"] == list(PAIR_CHECKS) and "omission" not in ran["default"]
    assert ran["omission"] == ["omission"] and "omission" in ran["all"]
    code, _, err = _run(["pair", "seeds/000_f1284998f700f5c0.txt", "--json", tmp_path / "x.json",
                         "--checks", "spelling"], capsys)
    assert code == 2 and "unknown check 'spelling'" in err and not (tmp_path / "x.json").exists()

def test_item01_the_mixed_file_twice_names_the_fix(capsys):
    code, _, err = _run(["pair", SEED_MIXED, SEED_MIXED, "-o", "never.tsv"], capsys)
    assert code == 2 and "give it alone" in err and "Traceback" not in err
    assert not Path("never.tsv").exists()


# --- item 2: both languages on one side -------------------------------------------------

def _zh_part(tmp_path: Path) -> Path:
    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    path = tmp_path / "zh.txt"
    path.write_text("\n".join(lines[37:75]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["pair", "-o", "x.tsv"], ["check"]])
def test_item02_mixed_file_as_one_side_is_refused(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    zh = _zh_part(tmp_path)
    code, _, err = _run([command[0], SEED_MIXED, zh, *command[1:]], capsys)
    assert code == 2, err
    assert re.search(r"38 of 83 lines \(46%\) are Chinese", err)
    assert len(err.splitlines()) == 1 and not (tmp_path / "x.tsv").exists()


def test_item02_a_few_lines_of_the_other_language_warn(tmp_path, capsys):
    zh = _zh_part(tmp_path)
    en_lines = [line for line in SEED_MIXED.read_text(encoding="utf-8").split("\n")[:37] if line.strip()]
    zh_lines = zh.read_text(encoding="utf-8").split("\n")
    mixed = [*en_lines[:20], zh_lines[3], *en_lines[20:30], zh_lines[4], *en_lines[30:]]
    en = tmp_path / "en.txt"
    en.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    code, _, err = _run(["check", en, zh, "-q"], capsys)
    assert code in (0, 1), err
    assert "align: warning: " in err and "2 of 39 lines (5%) are Chinese" in err


# --- item 3: the library's argument order (engineer 20's guard) -------------------------

def test_item03_library_with_swapped_arguments_is_right_or_refused(seed_mixed):
    import align
    from align.errors import AlignError

    docs = read_documents(seed_mixed)
    en = "\n\n".join(p.text for p in docs[0].paragraphs[5:12])
    zh = "\n\n".join(p.text for p in docs[1].paragraphs[1:8])
    try:
        result = align.align_texts(zh, en)
    except AlignError as exc:
        assert "order" in str(exc) or "English" in str(exc)
        return
    assert result.en.sentences[0].text.startswith("Tokayev – who")
    assert result.zh.sentences[0].text.startswith("Tokayev - 民意")


# --- item 4: counts ------------------------------------------------------------------

@pytest.mark.parametrize("level", ["sentence", "paragraph"])
def test_item04_the_count_is_what_was_written(tmp_path, capsys, level):
    out = tmp_path / "s.tmx"
    code, _, err = _run(["pair", SEED_MIXED, "-o", out, "--level", level], capsys)
    assert code == 0, err
    units = len(_tmx(out).findall("body/tu"))
    assert re.search(rf"wrote .*s\.tmx: {units} {level} pairs \(\d+ one-sided {level} beads", err), err
    assert units > 25  # the seed has 40 sentence pairs and 30 paragraph pairs (data/gold)


# --- item 5: "-" is standard output ------------------------------------------------------

def test_item05_dash_is_standard_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["pair", SEED_MIXED, "-o", "-", "-f", "tsv"], capsys)
    assert code == 0, err
    rows = out.splitlines()
    assert rows[0].split("\t")[:2] == ["en", "zh"] and len(rows) > 30
    code, out, err = _run(["inspect", SEED_MIXED, "--json", "-"], capsys)
    assert code == 0 and set(json.loads(out)) == {"en", "zh"}
    code, out, err = _run(["inspect", SEED_MIXED, "--json"], capsys)  # --json alone: stdout too
    assert code == 0 and set(json.loads(out)) == {"en", "zh"}
    assert not (tmp_path / "-").exists()


def test_item05_check_json_to_stdout_keeps_stdout_clean(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["check", SEED_MIXED, "--json", "-", "-q"], capsys)
    assert code == 1  # the seed has gaps
    data = json.loads(out)  # only JSON on stdout: the summary went to stderr
    assert len(data["sentence_beads"]) > 50 and "aligned sentence beads" in err
    assert list(tmp_path.iterdir()) == []


def test_optional_json_value_never_takes_an_existing_input():
    assert with_optional_values(["inspect", "--json"]) == ["inspect", "--json", "-"]
    assert with_optional_values(["eval", "--json", "--gold", "g"]) == ["eval", "--json", "-", "--gold", "g"]
    assert with_optional_values(["inspect", "--json", str(SEED_MIXED)]) == [
        "inspect", "--json", "-", str(SEED_MIXED)]
    assert with_optional_values(["check", "a", "--json", "new/r.json"])[-1] == "new/r.json"
    assert with_optional_values(["check", "--json=x.txt"]) == ["check", "--json=x.txt"]


# --- item 6: Moses -----------------------------------------------------------------------

@pytest.mark.parametrize("args", [["-o", "s.moses"], ["-o", "s.en", "-f", "moses"]])
def test_item06_moses_corpus_names(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["pair", SEED_MIXED, *args], capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.en", "s.zh"]
    en, zh = ((tmp_path / f"s.{lang}").read_text(encoding="utf-8").splitlines() for lang in ("en", "zh"))
    assert len(en) == len(zh) > 30 and en[0].startswith("Tokayev –") and zh[0].startswith("Tokayev -")


# --- item 7: hard wraps joined the same in any context -----------------------------------

def test_item07_hard_wraps_join_the_same_in_any_context(tmp_path):
    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    english = [line for line in lines if line.strip() and not re.search("[\u4e00-\u9fff]", line)]
    alone = tmp_path / "en.txt"
    alone.write_text("\n".join(english) + "\n", encoding="utf-8")  # article, then comment: no blank line
    (en_mixed, _), (en_alone,) = read_documents(SEED_MIXED), read_documents(alone)
    comment_mixed = [p.text for p in en_mixed.paragraphs if p.line >= 76]
    comment_alone = [p.text for p in en_alone.paragraphs if p.text.startswith("So, Kazakhstan")
                     or p.text.startswith("Western")]
    assert len(comment_mixed) == 1 and comment_alone == comment_mixed
    assert "circumvent Western sanctions." in comment_alone[0]
    assert [p.text for p in en_alone.paragraphs][:len(en_mixed.paragraphs) - 1] == [
        p.text for p in en_mixed.paragraphs][:-1]


# --- item 8: inspect shows any file --------------------------------------------------------

def test_item08_inspect_shows_an_english_only_file(capsys):
    code, out, err = _run(["inspect", SEED_EN_ONLY], capsys)
    assert code == 0, err
    assert out.startswith("== en  ") and "== zh" not in out
    assert "Kazakhstan is caught in a multi-vector foreign policy dilemma" in out


# --- item 9: options ----------------------------------------------------------------------

def test_item09_old_spellings_work_with_a_deprecation_note(tmp_path, capsys):
    code, _, err = _run(["batch", "--out", tmp_path / "o", "--formats", "tmx", "--fail-on-gaps"], capsys)
    assert code == 2  # no manifest: the usage error comes after the notes
    notes = [line for line in err.splitlines() if "deprecated" in line]
    assert len(notes) == 3 and "use -o/--output" in notes[0] and "use -f/--format" in notes[1]
    assert "use --fail-on gaps" in notes[2]


def test_item09_errors_name_the_option(tmp_path, capsys):
    code, _, err = _run(["pair", SEED_MIXED, "-o", tmp_path / "x.tmx", "--zh-lang", "Chinese please"], capsys)
    assert code == 2 and "--zh-lang" in err and "zh_lang" not in err
    code, _, err = _run(["batch", "--en-dir", tmp_path, "--zh-dir", tmp_path, "-o", tmp_path / "o",
                         "--fail-on", "sometimes"], capsys)
    assert code == 2 and "--fail-on" in err and "failed, gaps" in err


def test_item09_check_writes_any_format_with_o(tmp_path, capsys):
    code, _, err = _run(["check", SEED_MIXED, "-o", tmp_path / "c.tsv", "--zh-lang", "zh-Hant", "-q"], capsys)
    assert code == 1, err  # gaps
    rows = (tmp_path / "c.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("en\tzh\t") and len(rows) > 30


# --- item 10: TMX properties --------------------------------------------------------------

def test_item10_x_bead_follows_the_source_language_and_paths_stay_relative(tmp_path, capsys, monkeypatch):
    seed = tmp_path / "seed.txt"
    shutil.copy(SEED_MIXED, seed)
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["pair", seed.resolve(), "-o", "zh.tmx", "--src-lang", "zh"], capsys)  # absolute path
    assert code == 0, err
    root = _tmx(tmp_path / "zh.tmx")
    assert root.find("header").get("srclang") == "zh-TW"
    header = _props(root.find("header"))
    assert header["x-en-file"] == header["x-zh-file"] == "seed.txt"  # never /tmp/...
    last = _props(root.findall("body/tu")[-1])
    assert last["x-en-line"] == "35" and last["x-bead"] == "2-1"  # 2 Chinese sentences, 1 English
    code, _, err = _run(["pair", "seed.txt", "-o", "zh.align", "--src-lang", "zh"], capsys)
    assert code == 0, err
    assert "[47,48]:[44]" in (tmp_path / "zh.align").read_text(encoding="utf-8").split("\n")


def test_item10_batch_writes_the_source_language_asked_for(tmp_path, capsys):
    (tmp_path / "m.tsv").write_text(f"{SEED_MIXED}\t{SEED_MIXED}\tseed\n", encoding="utf-8")
    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    (tmp_path / "en.txt").write_text("\n".join(lines[:37]) + "\n", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("\n".join(lines[37:75]) + "\n", encoding="utf-8")
    (tmp_path / "m.tsv").write_text("en.txt\tzh.txt\tseed\n", encoding="utf-8")
    code, _, err = _run(["batch", tmp_path / "m.tsv", "-o", tmp_path / "out", "-f", "tmx", "-j", "1",
                         "--src-lang", "zh", "--zh-lang", "zh-Hant", "-q"], capsys)
    assert code == 0, err
    root = _tmx(tmp_path / "out" / "seed.tmx")
    assert root.find("header").get("srclang") == "zh-Hant"
    assert root.find("body/tu/tuv").get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hant"


# --- item 11: eval -------------------------------------------------------------------------

def test_item11_null_scores_are_na_without_null_beads_and_extra_files_are_left_out(tmp_path, capsys):
    gold, test = tmp_path / "gold", tmp_path / "test"
    gold.mkdir()
    test.mkdir()
    pairs = [(en, zh) for en, zh in read_beads(GOLD_SENTENCES) if en and zh]
    text = "".join(f"[{','.join(map(str, a))}]:[{','.join(map(str, b))}]\n" for a, b in pairs)
    (gold / "seed.align").write_text(text, encoding="utf-8")
    (test / "seed.align").write_text(text, encoding="utf-8")
    (test / "score.json").write_text("{}", encoding="utf-8")
    code, out, err = _run(["eval", "--gold", gold, "--test", test, "--json", "--src-lang", "en"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["all"]["null"] == {"precision": None, "recall": None, "f1": None}
    assert data["all"]["strict"]["f1"] == 1.0
    assert "score.json: no gold file" in err and data["warnings"]
    code, out, err = _run(["eval", "--gold", gold, "--test", test], capsys)
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["all"])
    assert row[-2:] == ["n/a", "n/a"]


# --- item 12: docs ----------------------------------------------------------------------

def test_item12_formats_doc_shows_only_kinds_the_outputs_contain(tmp_path, capsys):
    code, _, err = _run(["pair", SEED_MIXED, "-o", tmp_path / "s.jsonl", "-q"], capsys)
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    produced = {r["kind"] for r in records if r["gap"]}
    documented = set(re.findall(r'"kind": "(\w+)"', (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")))
    assert documented and documented <= produced, documented - produced
    assert "omission" not in documented


# --- item 13: data/ ---------------------------------------------------------------------

def test_item13_data_folder_holds_the_gold_and_the_dtd(seed_mixed):
    assert (DATA / "README.md").is_file() and etree.DTD(str(DATA / "tmx14.dtd"))
    en, zh = read_documents(seed_mixed)
    for path, (n_en, n_zh) in ((GOLD_SENTENCES, (len(en.sentences), len(zh.sentences))),
                               (GOLD_PARAGRAPHS, (len(en.paragraphs), len(zh.paragraphs)))):
        beads = read_beads(path)
        assert [i for a, _ in beads for i in a] == list(range(n_en)), path.name
        assert [i for _, b in beads for i in b] == list(range(n_zh)), path.name


@pytest.mark.parametrize(("gold", "level"), [(GOLD_SENTENCES, "sentence"), (GOLD_PARAGRAPHS, "paragraph")])
def test_item13_eval_on_the_seed_gold(tmp_path, capsys, gold, level):
    out = tmp_path / "seed.align"
    assert _run(["pair", SEED_MIXED, "-o", out, "--level", level, "-q"], capsys)[0] == 0
    code, text, err = _run(["eval", "--gold", gold, "--test", out, "--src-lang", "en", "--json", "-"], capsys)
    assert code == 0, err
    scores = json.loads(text)["all"]
    assert scores["strict"]["f1"] >= 0.95 and scores["null"]["recall"] >= 0.9
