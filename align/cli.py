"""The ``align`` command line. It only parses arguments, calls the library and
renders; every error the user can cause arrives here as an ``AlignError`` and is
printed as one line with exit status 2 (see :func:`main`)."""

from __future__ import annotations

import sys

import typer

from . import __version__
from .errors import AlignError

app = typer.Typer(
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
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Align English and Chinese texts and report what is present in only one language."""


# --- commands: foundation (inspect) -------------------------------------------
# @@inspect@@

# --- commands: encoders ---------------------------------------------------------
# @@encoders@@

# --- commands: evaluation --------------------------------------------------------
# @@eval@@

# --- commands: check / pair ------------------------------------------------------
# @@check@@

# --- commands: batch -------------------------------------------------------------
# @@batch@@


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status; user errors never raise.

    0 = success, 1 = the check found something (gaps, failed pairs), 2 = bad
    input or usage, 130 = interrupted.
    """
    try:
        app(args=argv, prog_name="align")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except AlignError as exc:
        print(f"align: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("align: interrupted", file=sys.stderr)
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
