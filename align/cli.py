"""The ``align`` command line. It only parses arguments, calls the library and
renders; every error the user can cause arrives here as an ``AlignError`` and is
printed as one line with exit status 2 (see :func:`main`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from typer.core import TyperCommand, TyperGroup

from .errors import AlignError
from .exporters import FORMATS as _EXPORT_FORMATS  # the registries: cheap to import
from .exporters.base import LEVELS
from .formats import FORMATS as _INPUT_FORMATS
from .models import GAP_ORDERS, Document  # dataclasses only: cheap to import
from .qa import CHECKS as _CHECKS
from .qa import PAIR_CHECKS as _PAIR_CHECKS
from .qa import SEVERITIES as _SEVERITIES
from .version import __version__

if TYPE_CHECKING:
    from rich.progress import TaskID


# typer's command classes: the usage line and the argument list are adjusted by
# subclassing them, click's extension point.
class _Command(TyperCommand):
    """A subcommand whose usage line shows ``FILE`` for a required argument
    (typer writes ``{FILE}``, which reads like a literal brace)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
                for piece in super().collect_usage_pieces(ctx)]

    def get_help_option(self, ctx):
        return _flag_help(super().get_help_option(ctx))


def _flag_help(option):
    """The help option without a ``<bool>`` type column (``metavar=""``, as for every flag)."""
    if option is not None:
        option.metavar = ""
    return option


#: Options whose value may be left out: option -> (the value then, the suffix of
#: the files it writes). ``--json`` alone means ``--json -``, standard output.
OPTIONAL_VALUES = {"--json": ("-", ".json")}


def _takes_value(word: str | None, suffix: str) -> bool:
    """Whether ``word``, after an option of :data:`OPTIONAL_VALUES`, is its value.

    Not when there is no word or it is another option; not when it names an
    existing regular file of another kind than the option writes: the old
    flag spelling ``align inspect --json b.txt a.txt`` reads ``b.txt`` and never
    writes over it. ``-``, a new path, a ``.json`` file or a device is a value.
    """
    if word is None or (word.startswith("-") and word != "-"):
        return False
    return not (os.path.isfile(word) and not word.lower().endswith(suffix))


def with_optional_values(args: list[str]) -> list[str]:
    """``args`` with the implied value of each :data:`OPTIONAL_VALUES` option filled in.

    See :func:`_takes_value`; ``--json=PATH`` always takes PATH, and words after
    ``--`` are left alone.
    """
    out: list[str] = []
    for i, arg in enumerate(args):
        out.append(arg)
        if arg == "--":
            return out + list(args[i + 1:])
        if arg in OPTIONAL_VALUES:
            implied, suffix = OPTIONAL_VALUES[arg]
            if not _takes_value(args[i + 1] if i + 1 < len(args) else None, suffix):
                out.append(implied)
    return out


class _Group(TyperGroup):
    """The ``align`` group: fills in optional option values before parsing."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        return super().parse_args(ctx, with_optional_values(list(args)))

    def get_help_option(self, ctx):
        return _flag_help(super().get_help_option(ctx))


class _App(typer.Typer):
    """A Typer app whose commands default to :class:`_Command`."""

    def command(self, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _App(
    cls=_Group,
    name="align",
    help="Align English and Chinese texts paragraph by paragraph and sentence by "
    "sentence, and report what is present in only one language.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"align {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, metavar="",
                                 help="Show the version and exit."),
) -> None:
    """Align English and Chinese texts and report what is present in only one language."""


# --- shared options -----------------------------------------------------------
# One name and one meaning in every command (README, "Command line"): -o/--output
# a file (a folder for batch), --json [PATH|-] the JSON result, "-" standard
# output, -q/--quiet, --zh-lang, -f/--format. Help lists the registries' keys,
# so that it cannot drift from the code. Old spellings stay as hidden aliases
# for one release (:func:`_deprecated`).
_INPUT_FORMAT_HELP = (f"Input format: {', '.join(_INPUT_FORMATS)} (one for all files, or one per file: "
                      "docx,pdf); default: by extension. check also reads tmx, xliff, tsv.")
_MODEL_HELP = "Sentence encoder: a name from `align encoders` or a sentence-transformers model name or path."
_LANGS = ("en", "zh")


def _flag(*decls: str, help: str):
    """A boolean flag (``metavar=""``: no ``<bool>`` in the help)."""
    return typer.Option(False, *decls, metavar="", help=help)


def _output_option(help: str):
    return typer.Option(None, "--output", "-o", metavar="PATH", help=help)  # -> Path | None


def _format_option(help: str):
    return typer.Option(None, "--format", "-f", metavar="FORMAT",
                        help=f"{help}: {', '.join(_EXPORT_FORMATS)}.")


def _json_option(what: str):
    return typer.Option(None, "--json", metavar="[PATH|-]",
                        help=f"Write {what} as JSON to PATH (a .json file); - (or --json alone) writes it "
                             "to standard output.")


def _quiet_option(help: str = "Print only the summary line."):
    return typer.Option(False, "--quiet", "-q", metavar="", help=help)


def _zh_lang_option():
    return typer.Option(None, "--zh-lang", metavar="TAG",
                        help="Language tag written for the Chinese side (zh-TW, zh-CN...); default: "
                             "from its script.")


def _src_lang_option(help: str):
    return typer.Option(None, "--src-lang", metavar="|".join(_LANGS), help=help)


def _presplit_option():
    return _flag("--presplit", help="One sentence per line: no splitting or joining.")


def _input_format_option():
    return typer.Option(None, "--input-format", metavar="FORMAT", help=_INPUT_FORMAT_HELP)


def _model_option():
    return typer.Option(None, "--model", "-m", metavar="NAME", help=_MODEL_HELP)


def _device_option():
    return typer.Option(None, "--device", metavar="DEVICE",
                        help="Torch device of a sentence-transformers --model: cpu, cuda, cuda:N, mps "
                             "(default: cuda when available). The built-in encoder runs on the CPU.")


def _no_cache_option():
    return _flag("--no-cache", help="Do not read or write the embedding cache.")


def _alias(old: str):
    """A hidden old spelling, kept for one release."""
    return typer.Option(None, old, hidden=True)


def _deprecated(old: str, new: str) -> None:
    typer.echo(f"align: warning: {old} is deprecated and will be removed in the next release; "
               f"use {new}", err=True)


def _choice(value: str | None, option: str, choices) -> str | None:
    """``value`` when it is one of ``choices`` (or None); else a usage error naming ``option``."""
    from .errors import UsageError

    if value is not None and value not in choices:
        raise UsageError(f"unknown {option} {value!r}: {option} must be one of {', '.join(choices)}")
    return value


def _tag(value: str | None, option: str) -> str | None:
    """A language tag option, checked before any long work."""
    from .exporters.base import valid_tag

    return None if value is None else valid_tag(value, option)


def _warn(messages) -> None:
    for message in messages:
        typer.echo(f"align: warning: {message}", err=True)


def _reading_warnings(*docs: Document) -> None:
    """Print what reading noticed (e.g. lines of the other language in a file)."""
    _warn(dict.fromkeys(w for doc in docs for w in doc.warnings))


def _write_json(path: str | os.PathLike[str], data: object) -> None:
    """Write ``data`` as JSON to ``path`` (``-``: standard output, by :mod:`align.atomic`)."""
    import json

    from .atomic import write_text

    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _check_output(path: str | os.PathLike[str] | None, fmt: str | None) -> str | None:
    """The format of an output, checked before a long alignment (None: no output)."""
    from .errors import UsageError
    from .exporters import check_destination, get_exporter

    if path is None:
        return None
    if os.fspath(path) == "-":
        if fmt is None:
            raise UsageError("-o - (standard output) needs a format: add -f FORMAT")
        if len(get_exporter(fmt).suffixes) > 1:
            raise UsageError(f"{fmt} writes several files: give a file name prefix with -o, not -")
    return check_destination(path, fmt)


# --- commands: foundation (inspect) -------------------------------------------


@app.command()
def inspect(
    file: str = typer.Argument(
        ..., metavar="FILE", help="A file holding both languages, or the English or Chinese file."
    ),
    file2: str | None = typer.Argument(
        None, metavar="FILE2", help="The other-language file (either order)."
    ),
    presplit: bool = _presplit_option(),
    json_out: Path | None = _json_option("the paragraphs and sentences"),
    input_format: str | None = _input_format_option(),
) -> None:
    """Show the paragraphs and sentences of each language, with their line numbers.

    Any file is shown, one of a single language too: it is the diagnostic tool.
    """
    from .atomic import refuse_writes_to
    from .read import read_documents

    refuse_writes_to([file, file2])  # --json never replaces an input
    formats = {"input_format": input_format} if input_format else {}
    docs = read_documents(file, file2, presplit=presplit, **formats)
    _reading_warnings(*docs)
    if json_out is not None:
        _write_json(json_out, {doc.lang: _inspect_dict(doc) for doc in docs})
        if os.fspath(json_out) == "-":
            return
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markup import escape

        console = Console(highlight=False)
        for doc in docs:
            console.rule(f"[bold]{doc.lang}[/]  {escape(_inspect_title(doc))}")
            for p in doc.paragraphs:
                console.print(f"[bold cyan]¶{p.index}[/] [dim]lines {p.line}-{p.end_line}[/] "
                              f"[magenta]{p.kind}[/]"
                              + (f" [dim]{escape(p.location)}[/]" if p.location else ""))
                for s in p.sentences:
                    console.print(f"  [green]{s.line:>5}[/] {escape(s.text)}")
        return
    for doc in docs:
        typer.echo(f"== {doc.lang}  {_inspect_title(doc)}")
        for p in doc.paragraphs:
            typer.echo(f"¶{p.index} lines {p.line}-{p.end_line} {p.kind}"
                       + (f" {p.location}" if p.location else ""))
            for s in p.sentences:
                typer.echo(f"  {s.line:>5} {s.text}")


def _inspect_title(doc: Document) -> str:
    """One header line: path, encoding, variant and counts."""
    details = [doc.encoding or "", doc.variant or ""]
    counts = f"{len(doc.paragraphs)} paragraphs, {len(doc.sentences)} sentences"
    return f"{doc.path or '-'} ({', '.join(d for d in details if d)}) {counts}"


def _inspect_dict(doc: Document) -> dict:
    """The JSON form of a document for ``align inspect --json``."""
    return {
        "path": doc.path,
        "encoding": doc.encoding,
        "variant": doc.variant,
        "paragraphs": [
            {
                "line": p.line,
                "end_line": p.end_line,
                "kind": p.kind,
                "text": p.text,
                "sentences": [
                    {"line": s.line, "end_line": s.end_line, "text": s.text,
                     **({"location": s.location} if s.location else {})} for s in p.sentences
                ],
                **({"location": p.location} if p.location else {}),
            }
            for p in doc.paragraphs
        ],
    }


# --- commands: encoders ---------------------------------------------------------
@app.command("encoders")
def encoders_cmd() -> None:
    """List the sentence encoders; pick one with --model NAME."""
    from rich.console import Console
    from rich.table import Table

    from .encoders import available_encoders

    table = Table("encoder", "default", "installed", "description", box=None,
                  header_style="bold")
    for row in available_encoders():
        table.add_row(row["name"], "*" if row["default"] else "",
                      "yes" if row["installed"] else "no", row["description"])
    Console(markup=False, highlight=False).print(table)


app.command("models", hidden=True, help="Alias of 'encoders'.")(encoders_cmd)

# --- commands: evaluation --------------------------------------------------------
@app.command("eval")
def eval_command(
    gold: str = typer.Option(..., "--gold", metavar="GOLD",
                             help="Gold beads: a bead file (one \\[i,j]:\\[k] per line), an InterText "
                                  "link file, or a folder of them."),
    test: str = typer.Option(..., "--test", metavar="TEST",
                             help="Beads to score: the same formats or an align JSON result; a "
                                  "folder is matched to GOLD by file name stem."),
    json_out: Path | None = _json_option("the scores"),
    src_lang: str = typer.Option("zh", "--src-lang", metavar="|".join(_LANGS),
                                 help="Language of the first side of the bead files "
                                      "(MAC: zh)."),
) -> None:
    """Score an alignment against gold beads: strict, MAC and lax P/R/F1, null beads.

    Null-bead scores are n/a when there is nothing to measure (no null bead in
    the gold for recall, none in the test for precision).
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .atomic import refuse_writes_to
    from .evaluate import evaluate

    _choice(src_lang, "--src-lang", _LANGS)
    refuse_writes_to([gold, test])  # --json never replaces an input
    result = evaluate(gold, test, src_lang="en" if src_lang == "en" else "zh")
    _warn(result.warnings)
    if json_out is not None:
        _write_json(json_out, result.to_dict())
        if os.fspath(json_out) == "-":
            return
    table = Table(box=box.SIMPLE_HEAD, title=f"{test} against gold {gold}")
    table.add_column("file")
    for group in ("strict", "MAC", "lax"):
        for measure in ("P", "R", "F1"):
            table.add_column(f"{group}\n{measure}", justify="right", no_wrap=True)
    for measure in ("P", "R"):
        table.add_column(f"null\n{measure}", justify="right", no_wrap=True)
    for scores in (*result.files, result.pooled):
        row = [scores.name]
        for prf in (scores.strict, scores.mac, scores.lax):
            row += [_ratio(prf.precision), _ratio(prf.recall), _ratio(prf.f1)]
        row += [_ratio(scores.null.precision), _ratio(scores.null.recall)]
        table.add_row(*row, end_section=scores is result.files[-1])
    console = Console()
    console.width = max(console.width, 100)
    console.print(table)


def _ratio(value: float | None) -> str:
    """A score for the table: three decimals, or n/a when it cannot be measured."""
    return "n/a" if value is None else f"{value:.3f}"


# --- commands: check / pair ------------------------------------------------------


def _checks_option(default: str):
    return typer.Option(
        None, "--checks", metavar="LIST",
        help=f"QA checks on aligned pairs, comma-separated: {', '.join(_CHECKS)}; {default} "
             "or 'none'.")


def _align(first, second, presplit: bool, model: str | None, no_cache: bool,
           input_format: str | None = None, quiet: bool = False, device: str | None = None, **kwargs):
    from .api import align_files
    from .cli_progress import stage_progress
    from .encoders import get_encoder

    encoder = get_encoder(model, cache=not no_cache, device=device)
    with stage_progress(quiet) as progress:  # on a terminal only, after a couple of seconds
        result = align_files(first, second, presplit=presplit, input_format=input_format,
                             encoder=encoder, progress=progress, **kwargs)
    _reading_warnings(result.en, result.zh)
    damaged = getattr(getattr(encoder, "stats", None), "damaged", 0)
    if damaged:
        typer.echo(f"align: warning: {damaged} damaged embedding-cache row(s) ignored and "
                   "re-encoded", err=True)
    return result


def _where(line: int | None, doc) -> str:
    """A finding's place: the location of the unit at ``line`` when the input has them."""
    if line is None:
        return ""
    if any(p.location for p in doc.paragraphs):
        found = next((s.location for s in doc.sentences if s.line == line and s.location), None)
        if found:
            return found
    return str(line)


def _findings_table(title: str, places: tuple[str, ...], rows: list):
    """A rich table of findings: ``rows`` are ``(check, severity, places, message)``."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("check")
    table.add_column("severity")
    for name in places:
        table.add_column(name, justify="left" if name == "id" else "right")
    table.add_column("message", overflow="fold", ratio=1)
    colour = {"error": "red", "warning": "yellow", "info": "dim"}
    for check, severity, where, message in rows:
        table.add_row(check, f"[{colour.get(severity, '')}]{severity}[/]", *map(escape, where), escape(message))
    return table


def _render_gaps(result, quiet: bool, to_stderr: bool = False, order: str = "document") -> None:
    """The gaps and findings tables and the summary line (on stderr when stdout carries
    data); gaps in ``order`` (:func:`align.gaps.ranked`)."""
    from rich.console import Console
    from rich.table import Table

    from .gaps import ranked

    console = Console(highlight=False, stderr=to_stderr)
    en_gaps = sum(g.only_in == "en" for g in result.gaps)
    zh_gaps = len(result.gaps) - en_gaps
    if result.gaps and not quiet:
        table = Table(title="Text present in one language only", title_justify="left",
                      show_lines=False, expand=False)
        table.add_column("only in")
        located = any(g.location for g in result.gaps)
        table.add_column("location" if located else "lines", justify="right")
        table.add_column("level")
        table.add_column("conf.", justify="right")
        table.add_column("kind")
        table.add_column("text", overflow="fold", ratio=1)
        for g in ranked(result.gaps, order):
            lines = str(g.line) if g.end_line == g.line else f"{g.line}-{g.end_line}"
            if g.location:
                from rich.markup import escape

                lines = escape(g.location)
            style = "yellow" if g.only_in == "en" else "magenta"
            text = g.text if len(g.text) <= 160 else g.text[:157] + "..."
            table.add_row(f"[{style}]{g.only_in}[/]", lines, g.level, f"{g.confidence:.2f}", g.kind, text)
        console.print(table)
    if result.findings and not quiet:
        console.print(_findings_table(
            "Findings in aligned pairs", ("en", "zh", "bead"),
            [(f.check, f.severity, (_where(f.en_line, result.en), _where(f.zh_line, result.zh), str(f.bead + 1)),
              f.message) for f in result.findings]))
    aligned = sum(1 for b in result.sentence_beads if not b.is_gap)
    files = result.en.path if result.en.path == result.zh.path else f"{result.en.path} / {result.zh.path}"
    by_severity = ", ".join(f"{sum(f.severity == s for f in result.findings)} {s}"
                            for s in ("error", "warning", "info")
                            if any(f.severity == s for f in result.findings))
    console.print(
        f"{files}: {len(result.en.paragraphs)} en / {len(result.zh.paragraphs)} zh paragraphs, "
        f"{aligned} aligned sentence beads; gaps: {en_gaps} English-only, {zh_gaps} Chinese-only; "
        f"findings: {len(result.findings)}" + (f" ({by_severity})" if by_severity else ""),
        soft_wrap=True)


@app.command()
def check(
    en: Path = typer.Argument(..., metavar="FILE",
                              help="English file, or one file holding both languages, or a bilingual "
                                   ".tmx/.xlf/.tsv."),
    zh: Path | None = typer.Argument(None, metavar="FILE2", help="Chinese file (either order is fine)."),
    output: Path | None = _output_option("Also write the result here, in the format of its extension "
                                        "or -f; - is standard output."),
    fmt: str | None = _format_option("Format of -o (default: from its extension)"),
    json_out: Path | None = _json_option("the full result"),
    html: Path | None = typer.Option(None, "--html", metavar="PATH",
                                    help="Write a side-by-side HTML review page here."),
    presplit: bool = _presplit_option(),
    model: str | None = _model_option(),
    device: str | None = _device_option(),
    no_cache: bool = _no_cache_option(),
    min_confidence: float = typer.Option(0.0, "--min-confidence", metavar="0..1",
                                         help="Report only gaps at least this confident (the "
                                              "probability that the text has no counterpart)."),
    sort: str = typer.Option("document", "--sort", metavar="|".join(GAP_ORDERS),
                             help="List gaps in document order or most certain first."),
    quiet: bool = _quiet_option(),
    checks: str | None = _checks_option("'all' (default)"),
    fail_on: str = typer.Option(
        "error", "--fail-on", metavar="SEVERITY",
        help="Findings at or above this severity make exit status 1 (gaps always do): "
             f"{', '.join(_SEVERITIES)} or none; default error."),
    zh_lang: str | None = _zh_lang_option(),
    input_format: str | None = _input_format_option(),
    realign: bool = _flag("--realign", help="Bilingual file (.tmx, .xlf, .tsv): align its two sides "
                                            "afresh instead of checking its pairs."),
    resume_review: Path | None = typer.Option(
        None, "--resume-review", metavar="CORRECTED",
        help="A reviewer's saved corrections (JSON or XLSX): keep their edits and decisions "
             "for the units whose text did not change."),
) -> None:
    """Report paragraphs and sentences present in only one language, and QA findings
    (numbers, names, untranslated text, length) inside aligned pairs.

    Given one bilingual file (.tmx, .xlf/.xliff, .tsv), check its pairs instead:
    empty targets, wrong language, outlier similarity, duplicated sources.

    Exit status: 0 no gaps and no findings at --fail-on, 1 gaps or such findings,
    2 bad input or usage.
    """
    from dataclasses import replace

    from .encoders import get_encoder
    from .errors import UsageError
    from .exporters import export
    from .qa import resolve_checks, severity_at_least

    _choice(fail_on, "--fail-on", (*_SEVERITIES, "none"))
    _choice(sort, "--sort", GAP_ORDERS)
    _tag(zh_lang, "--zh-lang")
    if not 0.0 <= min_confidence <= 1.0:  # NaN too (a range check would call it "above 1")
        raise UsageError(f"--min-confidence must be a number from 0 to 1, not {min_confidence}")
    from .atomic import check_distinct, refuse_writes_to

    refuse_writes_to([en, zh])  # no output may replace an input
    check_distinct([json_out, html, output])
    outputs = [(json_out, _check_output(json_out, "json")), (html, _check_output(html, "html")),
               (output, _check_output(output, fmt))]  # fail now, not after a long alignment
    to_stdout = any(path is not None and os.fspath(path) == "-" for path, _ in outputs)
    from .bilingual import bilingual_format

    tm_format = bilingual_format(en, input_format) if zh is None else None
    if realign and tm_format is None:
        raise UsageError("--realign needs one bilingual file (.tmx, .xlf/.xliff or .tsv)")
    if tm_format and not realign:
        if output is not None:
            raise UsageError("-o writes aligned documents: use --json for a bilingual file's report, "
                             "or add --realign")
        _check_bilingual(en, tm_format, model, no_cache, json_out, html, quiet, fail_on, device)
    if tm_format:
        from .bilingual import realign_units

        result = realign_units(en, fmt=tm_format, encoder=get_encoder(model, cache=not no_cache, device=device),
                               checks=resolve_checks(checks))
    else:
        result = _align(en, zh, presplit, model, no_cache, input_format, quiet, device,
                        checks=resolve_checks(checks))
        if resume_review is not None:
            result = _resume_review(resume_review, result)
    if min_confidence:
        result = replace(result, gaps=[g for g in result.gaps if g.confidence >= min_confidence])
    options = {"zh_lang": zh_lang} if zh_lang else {}
    for path, format_name in outputs:
        if path is not None:
            _warn(export(result, path, format_name, **options).warnings)
    _render_gaps(result, quiet, to_stderr=to_stdout, order=sort)
    failing = any(severity_at_least(f.severity, fail_on) for f in _undismissed(result.findings))
    raise typer.Exit(1 if _undismissed(result.gaps) or failing else 0)


def _check_bilingual(path: Path, fmt: str, model: str | None, no_cache: bool,
                     json_out: Path | None, html: Path | None, quiet: bool, fail_on: str,
                     device: str | None = None) -> None:
    """``align check pairs.tmx``: check the pairs of a bilingual file, render, exit."""
    import json

    from rich.console import Console
    from rich.markup import escape

    from .atomic import write_text
    from .bilingual import check_bilingual
    from .encoders import get_encoder
    from .errors import UsageError
    from .qa import severity_at_least

    if html is not None:
        raise UsageError("--html shows aligned documents: add --realign to get one for a bilingual file")
    report = check_bilingual(path, fmt=fmt, encoder=get_encoder(model, cache=not no_cache, device=device))
    if json_out is not None:
        write_text(json_out, json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
    console = Console(highlight=False, stderr=json_out is not None and os.fspath(json_out) == "-")
    if report.findings and not quiet:
        console.print(_findings_table(
            "Findings in translation units", ("unit", "id", "line"),
            [(f.check, f.severity, (str(f.unit + 1), f.id or "", str(f.line)), f.message)
             for f in report.findings]))
    counts = report.to_dict()["summary"]
    by_severity = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
    console.print(f"{escape(report.path)}: {len(report.units)} units ({report.format}); findings: "
                  f"{len(report.findings)}" + (f" ({by_severity})" if by_severity else ""),
                  soft_wrap=True)
    raise typer.Exit(1 if any(severity_at_least(f.severity, fail_on) for f in report.findings) else 0)


@app.command()
def pair(
    src: Path = typer.Argument(..., metavar="FILE",
                               help="One file holding both languages, or the source file (English or "
                                    "Chinese)."),
    tgt: Path | None = typer.Argument(None, metavar="FILE2",
                                      help="The target file (the other language); none for a mixed file."),
    output: Path | None = _output_option("Output file; its extension (or -f) picks the format; - is "
                                        "standard output."),
    fmt: str | None = _format_option("Output format (default: from the extension of -o)"),
    json_out: Path | None = _json_option("the full result"),
    level: str = typer.Option("sentence", "--level", metavar="|".join(LEVELS),
                              help="Export sentence or paragraph beads."),
    src_lang: str | None = _src_lang_option("The source side: first column, TMX srclang, first indices in "
                                            "beads; default: the language of FILE (en for a mixed file)."),
    zh_lang: str | None = _zh_lang_option(),
    presplit: bool = _presplit_option(),
    model: str | None = _model_option(),
    device: str | None = _device_option(),
    no_cache: bool = _no_cache_option(),
    input_format: str | None = _input_format_option(),
    quiet: bool = _quiet_option("Print nothing but warnings and errors."),
    checks: str | None = _checks_option("default all but omission (it embeds every clause: the "
                                        "slowest part on long texts), 'all'"),
) -> None:
    """Align a mixed file, or two files, and write the aligned pairs.

    Findings of the QA checks go into the exports that hold them (JSON, TMX
    properties, HTML); ``align check`` is the command that reports them.
    """
    from .atomic import check_distinct, refuse_writes_to
    from .errors import UsageError
    from .exporters import export

    _choice(level, "--level", LEVELS)
    _choice(src_lang, "--src-lang", _LANGS)
    _tag(zh_lang, "--zh-lang")
    if output is None and json_out is None:
        raise UsageError("give the output file with -o/--output (or --json for the whole result)")
    refuse_writes_to([src, tgt])  # no output may replace an input
    check_distinct([output, json_out])
    fmt = _check_output(output, fmt)  # fail now, not after a long alignment
    _check_output(json_out, "json")
    from .qa import resolve_checks

    result = _align(src, tgt, presplit, model, no_cache, input_format, quiet, device,
                    checks=list(_PAIR_CHECKS) if checks is None else resolve_checks(checks))
    if src_lang is None:
        src_lang = "en" if result.en.path == os.fspath(src) else "zh"
    options = {"level": level, "src_lang": src_lang, **({"zh_lang": zh_lang} if zh_lang else {})}
    if json_out is not None:
        _warn(export(result, json_out, "json", **options).warnings)
    if output is not None:
        written = export(result, output, fmt, **options)
        _warn(written.warnings)
        if not quiet:
            typer.echo(_written(written, result), err=True)


def _written(written, result) -> str:
    """``wrote PATH: N sentence beads``, counting what the files hold."""
    level = written.level
    total = len(result.sentence_beads if level == "sentence" else result.paragraph_beads)
    counted = f"{written.beads} {level} beads"
    if written.beads < total:
        counted = (f"{written.beads} {level} pairs ({total - written.beads} one-sided {level} beads "
                   "left out: this format holds pairs only)")
    return f"wrote {', '.join('standard output' if p == '-' else p for p in written.paths)}: {counted}"


# --- commands: export (a saved or corrected result) ------------------------------
def _resume_review(path: Path, result):
    """``check --resume-review``: the reviewer's decisions carried over to ``result``."""
    from .review import read_result, resume_review

    resumed = resume_review(read_result(path), result)
    kept = sum(b.review is not None for b in resumed.sentence_beads)
    decided = sum(x.review is not None for x in resumed.gaps) + \
        sum(x.review is not None for x in resumed.findings)
    typer.echo(f"review {path}: kept {kept} reviewed beads and {decided} gap/finding decisions",
               err=True)
    return resumed


def _undismissed(items: list) -> list:
    """The gaps or findings a reviewer did not dismiss (they do not fail a check)."""
    return [x for x in items if x.review is None or x.review.status != "dismissed"]


@app.command("export")
def export_cmd(
    result_file: Path = typer.Argument(..., metavar="RESULT",
                                       help="A result saved by --json, by the review page's "
                                            "\"Save corrections\", or an XLSX export."),
    output: Path = typer.Option(..., "--output", "-o", metavar="PATH",
                                help="Output file; its extension (or -f) picks the format; - is "
                                     "standard output."),
    fmt: str | None = _format_option("Output format (default: from the extension of -o)"),
    level: str = typer.Option("sentence", "--level", metavar="|".join(LEVELS),
                              help="Export sentence or paragraph beads."),
    src_lang: str = typer.Option("en", "--src-lang", metavar="|".join(_LANGS), help="The source side."),
    zh_lang: str | None = _zh_lang_option(),
    quiet: bool = _quiet_option("Print nothing but warnings and errors."),
) -> None:
    """Write a saved result (e.g. a reviewer's corrections) in any output format.

    Beads a reviewer edited or confirmed carry x-reviewed in TMX.
    """
    from .exporters import export
    from .review import read_result

    _choice(level, "--level", LEVELS)
    _choice(src_lang, "--src-lang", _LANGS)
    _tag(zh_lang, "--zh-lang")
    fmt = _check_output(output, fmt)
    result = read_result(result_file)
    options = {"level": level, "src_lang": src_lang, **({"zh_lang": zh_lang} if zh_lang else {})}
    written = export(result, output, fmt, **options)
    for warning in written.warnings:
        typer.echo(f"align: warning: {warning}", err=True)
    beads = result.sentence_beads if level == "sentence" else result.paragraph_beads
    reviewed = sum(b.review is not None for b in beads)
    if not quiet:
        typer.echo(f"{_written(written, result)}, {reviewed} reviewed", err=True)


# --- commands: batch -------------------------------------------------------------
#: Values of batch's --fail-on: what makes exit status 1.
_BATCH_FAIL_ON = ("failed", "gaps")

@app.command()
def batch(
    manifest: Path | None = typer.Argument(
        None, metavar="MANIFEST",
        help="TSV (en_path<TAB>zh_path[<TAB>id], or path[<TAB><TAB>id] for one file holding both "
             "languages) or JSONL ({\"en\":..,\"zh\":..,\"id\":..} or {\"file\":..,\"id\":..}); paths "
             "relative to its folder. Or use --en-dir and --zh-dir."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FOLDER",
                                       help="Output folder: <id>.<ext> per pair and summary.jsonl."),
    out: Path | None = _alias("--out"),
    en_dir: Path | None = typer.Option(None, "--en-dir",
                                          help="Folder of English files (pairs matched by name stem)."),
    zh_dir: Path | None = typer.Option(None, "--zh-dir",
                                          help="Folder of Chinese files (pairs matched by name stem)."),
    fmt: str | None = typer.Option(None, "--format", "-f", metavar="LIST",
                                   help=f"Output formats, comma-separated: {', '.join(_EXPORT_FORMATS)}; "
                                        "default json."),
    formats: str | None = _alias("--formats"),
    src_lang: str = typer.Option("en", "--src-lang", metavar="|".join(_LANGS),
                                 help="The source side of the exports: TMX srclang, first column..."),
    zh_lang: str | None = _zh_lang_option(),
    presplit: bool = _presplit_option(),
    model: str | None = _model_option(),
    device: str | None = _device_option(),
    no_cache: bool = _no_cache_option(),
    workers: int | None = typer.Option(None, "--workers", "-j", min=1,
                                          help="Worker processes (default: CPU count); 1 runs in this process."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                            help="Run on Dask: 'local' (a LocalCluster of --workers "
                                                 "processes) or tcp://HOST:PORT of a running scheduler."),
    resume: bool = _flag("--resume", help="Skip pairs already aligned ok whose outputs all exist."),
    shard: str | None = typer.Option(None, "--shard", metavar="i/N",
                                        help="Only every N-th pair, starting at pair i (0-based), e.g. "
                                             "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT."),
    fail_on: str = typer.Option("failed", "--fail-on", metavar="|".join(_BATCH_FAIL_ON),
                                help="What makes exit status 1: a failed pair (default), or also gaps."),
    fail_on_gaps: bool = typer.Option(False, "--fail-on-gaps", hidden=True),
    quiet: bool = _quiet_option("Print only the totals line."),
) -> None:
    """Align many document pairs in parallel; write outputs and a summary per pair.

    Exit status: 0 all pairs aligned, 1 a pair failed (or has gaps, with --fail-on gaps), 2 bad manifest.
    """
    from .batch import BatchOptions, parse_shard, run_batch

    out, fail_on = _batch_aliases(output, out, fmt, formats, fail_on, fail_on_gaps)
    plan = _batch_plan(manifest, en_dir, zh_dir)
    names = (fmt or formats or "json").split(",")
    options = BatchOptions(tuple(f for f in names if f.strip()), presplit, model, not no_cache,
                           _choice(src_lang, "--src-lang", _LANGS) or "en", _tag(zh_lang, "--zh-lang"),
                           device)
    progress = _BatchProgress(quiet)
    try:
        report = run_batch(plan.pairs, out, options=options, workers=workers, scheduler=scheduler,
                           resume=resume, shard=parse_shard(shard) if shard else None,
                           on_start=progress.on_start, on_result=progress.on_result, manifest=manifest)
    finally:
        progress.stop()
    _render_batch(report, quiet)
    raise typer.Exit(1 if report.failed or (fail_on == "gaps" and report.with_gaps) else 0)


def _batch_plan(manifest: Path | None, en_dir: Path | None, zh_dir: Path | None):
    """The pairs of a manifest, or of two folders; warns of files without a partner."""
    from .batch import pairs_from_dirs, read_manifest
    from .errors import UsageError

    if (manifest is None) == (en_dir is None and zh_dir is None) or (en_dir is None) != (zh_dir is None):
        raise UsageError("give a MANIFEST, or both --en-dir and --zh-dir (not both ways)")
    if manifest is not None:
        plan = read_manifest(manifest)
    else:
        assert en_dir is not None and zh_dir is not None  # checked just above
        plan = pairs_from_dirs(en_dir, zh_dir)
    for name in plan.unmatched[:10]:
        typer.echo(f"align: warning: {name} has no partner of the same name stem; skipped", err=True)
    if len(plan.unmatched) > 10:
        typer.echo(f"align: warning: {len(plan.unmatched) - 10} more files without a partner", err=True)
    return plan


class _BatchProgress:
    """batch's note on resumed pairs, and on a terminal (unless quiet) its progress
    bar: pairs done, sentences per second. run_batch calls :meth:`on_start` first."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console

        self.err = Console(stderr=True, highlight=False)
        self.progress = None
        if self.err.is_terminal and not quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(TextColumn("aligning"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("pairs  {task.fields[rate]} sentences/s"),
                                     TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                     console=self.err, transient=True)
        self.task: TaskID | None = None  # the progress bar's, set by on_start
        self.sentences = 0
        self.start = 0.0

    def on_start(self, todo, skipped) -> None:
        import time

        self.start = time.perf_counter()
        if skipped:
            self.err.print(f"resume: {len(skipped)} pairs already done, {len(todo)} to align")
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("align", total=len(todo), rate="-")

    def on_result(self, record) -> None:
        import time

        self.sentences += (record["en_sentences"] or 0) + (record["zh_sentences"] or 0)
        if self.progress is not None:
            assert self.task is not None  # on_start made it
            rate = self.sentences / max(time.perf_counter() - self.start, 1e-9)
            self.progress.update(self.task, advance=1, rate=f"{rate:,.0f}")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _batch_aliases(output: Path | None, out: Path | None, fmt: str | None, formats: str | None,
                   fail_on: str, fail_on_gaps: bool) -> tuple[Path, str]:
    """Resolve batch's old spellings (--out, --formats, --fail-on-gaps), with a deprecation note each.

    Returns:
        ``(output folder, fail-on value)``.
    """
    from .errors import UsageError

    for old, new, used in (("--out", "-o/--output", out), ("--formats", "-f/--format", formats),
                           ("--fail-on-gaps", "--fail-on gaps", fail_on_gaps)):
        if used:
            _deprecated(old, new)
    if fmt is not None and formats is not None:
        raise UsageError("give -f/--format once (--formats is its old spelling)")
    folder = output if output is not None else out
    if folder is None or (output is not None and out is not None):
        raise UsageError("give the output folder once, with -o/--output FOLDER")
    _choice(fail_on, "--fail-on", _BATCH_FAIL_ON)
    return folder, "gaps" if fail_on_gaps else fail_on


_BATCH_TABLE_MAX = 100  # beyond this many pairs the table lists only failed pairs


def _render_batch(report, quiet: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    console.width = max(console.width, 120)
    skipped = set(report.skipped)
    records = report.records
    if not quiet:
        rows = records if len(records) <= _BATCH_TABLE_MAX else report.failed
        if rows:
            table = Table(title=None if rows is records else "Failed pairs", title_justify="left")
            for name in ("id", "status", "en sent", "zh sent", "beads", "en gaps", "zh gaps", "sec"):
                table.add_column(name, justify="left" if name in ("id", "status") else "right",
                                 no_wrap=True)
            table.add_column("error", overflow="fold", ratio=1, min_width=20)
            for r in rows:
                status = "[red]failed[/]" if r["status"] != "ok" else (
                    "[dim]ok (done before)[/]" if r["id"] in skipped else "[green]ok[/]")
                table.add_row(escape(r["id"]), status, *(("" if r[k] is None else str(r[k])) for k in
                              ("en_sentences", "zh_sentences", "beads", "gaps_en", "gaps_zh")),
                              f"{r['seconds']:.1f}", escape(r["error"] or ""))
            console.print(table)
    done = [r for r in records if r["id"] not in skipped]
    sentences = sum((r["en_sentences"] or 0) + (r["zh_sentences"] or 0) for r in done)
    rate = f", {sentences / report.seconds:,.0f} sentences/s" if done and report.seconds else ""
    warnings = sum(len(r.get("warnings") or ()) for r in records)
    console.print(
        f"{len(records)} pairs: {len(records) - len(report.failed)} ok ({len(skipped)} done before), "
        f"{len(report.failed)} failed, {len(report.with_gaps)} with gaps; {report.seconds:.1f} s{rate}"
        + (f"; {warnings} export warnings" if warnings else "") + f"; summary: {report.summary}",
        soft_wrap=True)


class _Terminated(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives (see :func:`main`).

    A BaseException, like KeyboardInterrupt, so that ``except Exception`` does
    not swallow it while ``finally`` blocks and :func:`align.atomic.atomic_open`
    still clean up (temporary files removed, existing outputs kept).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _click_errors():
    """``(ClickException, UsageError)`` as typer raises them: typer >= 0.29 vendors
    click (other classes than click's, and click need not be installed); older
    typer raises click's."""
    import importlib

    try:
        from typer._click import exceptions as click_errors
    except ImportError:  # pragma: no cover - older typer
        click_errors = importlib.import_module("click.exceptions")
    return click_errors.ClickException, click_errors.UsageError


def _trap_termination() -> dict:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` (in the main thread, where
    they have the default handler); returns the handlers replaced, by signal."""
    import signal
    import threading

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _raise_terminated)
    return previous


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors never raise.

    0 = success, 1 = the check found something (gaps, failed pairs), 2 = bad
    input or usage, 130 = interrupted (Ctrl-C), 128 + N = stopped by signal N
    (143 for SIGTERM). Every error is one line on stderr, never a traceback:
    ``AlignError`` from the library and click's usage errors alike. SIGTERM and
    SIGHUP are turned into an exception while the command runs, so that
    temporary files are removed as on Ctrl-C.
    """
    import signal

    ClickException, ClickUsageError = _click_errors()
    previous = _trap_termination()
    from .atomic import protect_inputs

    try:
        with protect_inputs():  # the inputs a command protects are forgotten after it
            code = app(args=argv, prog_name="align", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except AlignError as exc:
        print(f"align: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except ClickUsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``align``: the help
            help_text = exc.ctx.get_help() if exc.ctx else ""  # rich help prints itself
            if help_text:
                print(help_text)
            return exc.exit_code
        hint = f"; see '{exc.ctx.command_path} -h'" if exc.ctx else ""
        print(f"align: error: {_one_line(exc.format_message()).rstrip('.')}{hint}", file=sys.stderr)
        return exc.exit_code
    except ClickException as exc:
        print(f"align: error: {_one_line(exc.format_message())}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    except _Terminated as exc:
        print(f"align: stopped by signal {signal.Signals(exc.signum).name}", file=sys.stderr)
        return 128 + exc.signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if code == 130:  # typer turns KeyboardInterrupt into exit status 130
        print("align: interrupted", file=sys.stderr)
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
