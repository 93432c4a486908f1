"""A reviewer's corrections: reading them back, checking them, and keeping them
when the documents are checked again.

The HTML review page (and an XLSX file) saves a result in the ``--json``
schema with the edits applied and a ``reviewed`` flag (:class:`~align.models.Review`)
on each edited or confirmed bead and each confirmed or dismissed gap or finding.
This module

- reads such a file (:func:`read_result`: JSON or XLSX);
- checks that its beads still cover every unit of both documents exactly once,
  in document order (:func:`check_partition`);
- rebuilds the gap list after beads changed (:func:`refresh_gaps`);
- carries the decisions over to a fresh alignment of edited documents
  (:func:`resume_review`): a reviewed bead whose sentences are all unchanged is
  kept as the reviewer left it; the fresh alignment fills in the rest.

Units are matched between the old and new documents by their text, in order
(:class:`difflib.SequenceMatcher` over the unit texts of each language).
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .models import LANGS, Alignment, Bead, Document, Finding, Gap, Lang, Review

LEVELS = ("sentence", "paragraph")


def read_result(path: str | os.PathLike[str]) -> Alignment:
    """Read a saved result: the ``--json`` schema (``.json``) or an XLSX export (``.xlsx``).

    The beads are checked with :func:`check_partition`.

    Raises:
        InputError: the file cannot be read, is not an align result, or its
            beads do not cover each unit exactly once in order.
    """
    from .exporters import from_dict

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from .exporters.xlsx import read_xlsx

        alignment = read_xlsx(path)
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path} is not a JSON align result: {exc}") from None
        alignment = from_dict(data)
    for level in LEVELS:
        check_partition(alignment, level, where=str(path))
    return alignment


def _beads(alignment: Alignment, level: str) -> list[Bead]:
    return alignment.sentence_beads if level == "sentence" else alignment.paragraph_beads


def _units(doc: Document, level: str) -> Sequence:
    return doc.sentences if level == "sentence" else doc.paragraphs


def check_partition(alignment: Alignment, level: str = "sentence", where: str = "result") -> None:
    """Check that the ``level`` beads hold every unit of both documents once, in order.

    An empty bead list is accepted (a result without that level).

    Raises:
        InputError: naming the first unit out of place.
    """
    beads = _beads(alignment, level)
    if not beads:
        return
    for lang in LANGS:
        seen = [i for b in beads for i in getattr(b, lang)]
        count = len(_units(alignment.doc(lang), level))
        if seen != list(range(count)):
            wrong = next((k for k, i in enumerate(seen) if i != k), len(seen))
            raise InputError(f"{where}: the {level} beads do not hold each {lang} {level} once in "
                             f"order (first wrong at position {wrong}: found "
                             f"{seen[wrong] if wrong < len(seen) else 'nothing'}, want {wrong} of "
                             f"{count})")
    if any(not b.en and not b.zh for b in beads):
        raise InputError(f"{where}: a {level} bead has no text on either side")


def refresh_gaps(alignment: Alignment, gaps: Sequence[Gap], level: str = "sentence",
                 review: Review | None = None) -> list[Gap]:
    """The gaps that still fit the ``level`` beads, and new ones for uncovered null beads.

    A gap is kept when all its units (at ``level``) are still in beads with
    text on one side only. A run of consecutive null units in one language that
    no kept gap covers becomes a new gap of confidence 1.0 (``review`` set on
    it: the reviewer made it by unlinking or splitting).

    Returns:
        The kept gaps in their order, then the new ones in the order of their beads.
    """
    from .gaps import paragraph_gap, sentence_gaps

    beads = _beads(alignment, level)
    null = {(lang, i) for b in beads if b.is_gap for lang in LANGS for i in getattr(b, lang)}
    kept = [g for g in gaps if _gap_units(g, level)
            and all((g.only_in, i) in null for i in _gap_units(g, level))]
    covered = {(g.only_in, i) for g in kept for i in _gap_units(g, level)}
    fresh: list[Gap] = []
    for lang in LANGS:
        doc = alignment.doc(lang)
        run: list[int] = []
        for b in beads:
            units = [i for i in getattr(b, lang) if (lang, i) in null and (lang, i) not in covered]
            if units and (not run or units[0] == run[-1] + 1):
                run += units
                continue
            if run:
                fresh.append(sentence_gaps(doc, lang, run, 1.0) if level == "sentence"
                             else paragraph_gap(doc, lang, run[0], 1.0))
            run = units
        if run:
            fresh.append(sentence_gaps(doc, lang, run, 1.0) if level == "sentence"
                         else paragraph_gap(doc, lang, run[0], 1.0))
    where = {(lang, i): k for k, b in enumerate(beads) for lang in LANGS for i in getattr(b, lang)}
    fresh.sort(key=lambda g: where[(g.only_in, _gap_units(g, level)[0])])
    return kept + [replace(g, review=review) for g in fresh]


def _gap_units(gap: Gap, level: str) -> tuple[int, ...]:
    return gap.sentences if level == "sentence" else gap.paragraphs


def unit_map(old: Document, new: Document, level: str = "sentence") -> dict[int, int]:
    """Old unit index -> new unit index, for the units whose text did not change."""
    a = [u.text for u in _units(old, level)]
    b = [u.text for u in _units(new, level)]
    mapping: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        mapping.update({block.a + k: block.b + k for k in range(block.size)})
    return mapping


def _mapped(bead: Bead, maps: dict[Lang, dict[int, int]]) -> Bead | None:
    """``bead`` in the new documents' indices, or None if a unit changed or they split."""
    sides = {}
    for lang in LANGS:
        units = [maps[lang].get(i, -1) for i in getattr(bead, lang)]
        if -1 in units or any(b != a + 1 for a, b in itertools.pairwise(units)):
            return None
        sides[lang] = tuple(units)
    return replace(bead, en=sides["en"], zh=sides["zh"])


def merge_kept(kept: Sequence[Bead], fresh: Sequence[Bead]) -> list[Bead]:
    """The fresh beads with the ``kept`` (reviewed) beads imposed on them.

    Units of a kept bead are taken out of the fresh beads; what remains of a
    fresh bead is split where a kept bead comes between its units. The result
    holds every unit once, in order, in both languages, as long as ``kept`` is
    itself in order and ``fresh`` covers every unit.
    """
    covered = {(lang, i) for b in kept for lang in LANGS for i in getattr(b, lang)}
    cuts: dict[Lang, list[int]] = {"en": [], "zh": []}
    for lang in LANGS:
        after = 0  # just past the previous kept bead's units in this language
        for b in kept:
            side = getattr(b, lang)
            cuts[lang].append(side[0] if side else after)
            after = side[-1] + 1 if side else after

    def slot(lang: Lang, i: int) -> int:
        return sum(cut <= i for cut in cuts[lang])

    pieces: list[list[Bead]] = [[] for _ in range(len(kept) + 1)]
    for b in fresh:
        parts: dict[int, dict[Lang, list[int]]] = {}
        for lang in LANGS:
            for i in getattr(b, lang):
                if (lang, i) not in covered:
                    parts.setdefault(slot(lang, i), {"en": [], "zh": []})[lang].append(i)
        for s, part in sorted(parts.items()):
            whole = tuple(part["en"]) == b.en and tuple(part["zh"]) == b.zh
            score = b.score if whole or (part["en"] and part["zh"]) else 0.0
            pieces[s].append(Bead(tuple(part["en"]), tuple(part["zh"]), score))
    out: list[Bead] = []
    for s, group in enumerate(pieces):
        out += group
        if s < len(kept):
            out.append(kept[s])
    return out


def resume_review(reviewed: Alignment, fresh: Alignment) -> Alignment:
    """``fresh`` (the edited documents, aligned again) with the reviewer's decisions kept.

    - Reviewed beads (edited or confirmed) whose units are all unchanged, and
      still consecutive, replace the fresh beads there (both levels).
    - A gap or finding decision is kept when the same gap (same language,
      same unchanged units) or the same finding (same check and message on a
      bead with the same unchanged units) is found again.
    - Everything else comes from ``fresh``.

    Args:
        reviewed: the saved corrections (e.g. :func:`read_result`).
        fresh: the new alignment of the (possibly edited) documents.

    Returns:
        A new :class:`Alignment`; neither argument is changed.
    """
    out = replace(fresh)
    for level in LEVELS:
        maps = {lang: unit_map(reviewed.doc(lang), fresh.doc(lang), level) for lang in LANGS}
        kept = [m for b in _beads(reviewed, level) if b.review is not None
                and (m := _mapped(b, maps)) is not None]
        beads = merge_kept(kept, _beads(fresh, level)) if kept else list(_beads(fresh, level))
        if level == "sentence":
            out = replace(out, sentence_beads=beads)
        else:
            out = replace(out, paragraph_beads=beads)
        check_partition(out, level, where="resumed review")
    gaps = refresh_gaps(out, fresh.gaps, "sentence")
    out = replace(out, gaps=_carry_gaps(reviewed, out, gaps))
    return replace(out, findings=_carry_findings(reviewed, fresh, out))


def _carry_gaps(reviewed: Alignment, out: Alignment, gaps: list[Gap]) -> list[Gap]:
    """``gaps`` with the decisions of the same gaps (same language and unchanged
    sentences) in ``reviewed``."""
    maps = {lang: unit_map(reviewed.doc(lang), out.doc(lang)) for lang in LANGS}
    decided: dict[tuple, Review] = {}
    for g in reviewed.gaps:
        new = tuple(maps[g.only_in].get(i, -1) for i in g.sentences)
        if g.review is not None and new and -1 not in new:
            decided[(g.only_in, new)] = g.review
    return [replace(g, review=decided.get((g.only_in, g.sentences), g.review)) for g in gaps]


def _carry_findings(reviewed: Alignment, fresh: Alignment, out: Alignment) -> list[Finding]:
    """Fresh findings moved to the beads of ``out`` (dropped where their bead was
    re-formed), with the decisions of the same findings in ``reviewed``."""
    maps = {lang: unit_map(reviewed.doc(lang), out.doc(lang)) for lang in LANGS}
    decided: dict[tuple, Review] = {}
    for f in reviewed.findings:
        if f.review is None or not 0 <= f.bead < len(reviewed.sentence_beads):
            continue
        bead = _mapped(reviewed.sentence_beads[f.bead], maps)
        if bead is not None:
            decided[(f.check, f.message, bead.en, bead.zh)] = f.review
    index = {(b.en, b.zh): k for k, b in enumerate(out.sentence_beads)}
    findings = []
    for f in fresh.findings:
        bead = fresh.sentence_beads[f.bead] if 0 <= f.bead < len(fresh.sentence_beads) else None
        if bead is None or (bead.en, bead.zh) not in index:
            continue
        review = decided.get((f.check, f.message, bead.en, bead.zh), f.review)
        findings.append(replace(f, bead=index[(bead.en, bead.zh)], review=review))
    return findings
