"""One error family. The library raises these; the CLI turns them into one line
on stderr and exit status 2 (see ``cli.py``)."""

from __future__ import annotations


class AlignError(Exception):
    """Base class of every error ``align`` raises on purpose.

    The message is shown to the user as is: it must say what is wrong and,
    where possible, what to do about it.
    """


class InputError(AlignError):
    """The user's input cannot be used (missing file, not text, empty, ...)."""


class UsageError(AlignError):
    """An option or combination of options is invalid."""


class EncoderError(AlignError):
    """An encoder cannot be loaded (unknown model, missing optional extra)."""


def missing_extra(package: str, extra: str) -> EncoderError:
    """The error for an optional dependency that is not installed."""
    return EncoderError(
        f"this needs the optional package {package!r}: pip install \"align[{extra}]\""
    )
