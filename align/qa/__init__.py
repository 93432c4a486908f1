"""Translation QA inside aligned pairs: a registry of checks run after alignment.

Each check is one module with one class following :class:`~align.qa.base.Check`
(``check(alignment) -> list[Finding]``). Classes are named by dotted path and
imported when run, so ``import align`` loads none of them. Thresholds and how
they were calibrated: docs/qa.md.

    >>> from align.qa import run_checks
    >>> findings = run_checks(alignment, ["numbers", "names"])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UsageError
from ..models import Alignment, Finding
from ..registry import Registry, load
from .base import SEVERITIES, Check, Pair, Severity, pairs

__all__ = ["CHECKS", "PAIR_CHECKS", "SEVERITIES", "Check", "Pair", "Severity", "get_check", "pairs",
           "resolve_checks", "run_checks", "severity_at_least"]

#: Check name -> ``"module:Class"``; the class takes no arguments. The keys are
#: the values of ``align check --checks`` and run in this order.
CHECKS: Registry[str] = Registry("align.checks", {
    "numbers": "align.qa.numbers:NumbersCheck",
    "names": "align.qa.names:NamesCheck",
    "untranslated": "align.qa.untranslated:UntranslatedCheck",
    "length": "align.qa.length:LengthCheck",
    "omission": "align.qa.omission:OmissionCheck",
})

#: What ``align pair`` runs unless ``--checks`` says otherwise: every check but
#: ``omission``, which embeds about a dozen clause texts per sentence and so
#: costs more than the alignment itself on a book. ``align check`` (review) and
#: the library run all of :data:`CHECKS` by default.
PAIR_CHECKS: tuple[str, ...] = tuple(name for name in CHECKS if name != "omission")


def resolve_checks(names: Sequence[str] | str | None) -> list[str]:
    """Validate check names; None means all, ``"a,b"`` is split on commas.

    Raises:
        UsageError: a name is not in :data:`CHECKS` (the message lists them).
    """
    if names is None:
        return list(CHECKS)
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    wanted = [n.strip().lower() for n in names if n.strip()]
    if wanted in (["none"], ["all"]):
        return [] if wanted == ["none"] else list(CHECKS)
    unknown = [n for n in wanted if n not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check {unknown[0]!r}: choose from {', '.join(CHECKS)} "
                         "(comma-separated), 'all' or 'none'")
    return [n for n in CHECKS if n in wanted]


def get_check(name: str) -> Check:
    """An instance of the check called ``name`` (see :data:`CHECKS`)."""
    if name not in CHECKS:
        resolve_checks([name])  # raises UsageError listing the valid names
        raise UsageError(f"{name!r} is not a single check: choose from {', '.join(CHECKS)}")
    check: Check = load(CHECKS[name])()
    return check


def run_checks(alignment: Alignment, names: Sequence[str] | str | None = None) -> list[Finding]:
    """Run the named checks (all when None) and return their findings by bead."""
    findings: list[Finding] = []
    wanted = resolve_checks(names)
    for name in wanted:
        findings += get_check(name).check(alignment)
    if "omission" in wanted and "numbers" in wanted:
        from .omission import merge_numbers  # a dropped figure is reported once

        findings = merge_numbers(findings, alignment)
    order = {n: i for i, n in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: (f.bead, order.get(f.check, len(order))))


def severity_at_least(severity: str, threshold: str) -> bool:
    """True when ``severity`` is as serious as ``threshold`` (``"none"``: never)."""
    if threshold == "none":
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)  # type: ignore[arg-type]
