"""The tm-* checks: re-checking bilingual files (TMX, XLIFF 1.2/2.x, TSV).

    >>> from align.qa.tm import check_bilingual
    >>> report = check_bilingual("memory.tmx")                 # doctest: +SKIP
    >>> [(f.check, f.unit, f.line) for f in report.findings]   # doctest: +SKIP

:func:`read_units` reads the translation units; :func:`check_units` finds

- ``tm-empty``: an empty or whitespace-only target (or source);
- ``tm-language``: a side written in the other language (a target left in
  English, a source pasted in Chinese);
- ``tm-outlier``: a pair whose similarity (default encoder: the cosine, and
  its margin over neighbouring units' pairs) is a strong low outlier for this
  file, by the robust z-score of Iglewicz and Hoaglin (1993),
  ``0.6745 (x - median) / MAD``: misaligned, swapped or partial pairs;
- ``tm-duplicate``: a source repeated with a different target.

:mod:`align.bilingual` names these too, and re-aligns a file's two sides
(:func:`align.bilingual.realign_units`). Nothing here prints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from ..models import Lang

#: Extension -> bilingual format.
BILINGUAL_EXTENSIONS = {".tmx": "tmx", ".xlf": "xliff", ".xliff": "xliff", ".tsv": "tsv"}
BILINGUAL_FORMATS = ("tmx", "xliff", "tsv")

#: A pair is an outlier when a robust z-score is at most this (Iglewicz and
#: Hoaglin's recommended cut-off); an error when a neighbouring pair fits better.
OUTLIER_Z = -3.5
#: How far (in units) a pair's competitors are looked for by the margin score.
NEIGHBOURS = 20
#: Below this many scorable pairs the outlier check is skipped (no statistics).
MIN_UNITS_FOR_OUTLIERS = 8
#: MAD floor: a file of near-identical cosines must not make tiny dips outliers.
MIN_MAD = 0.02
#: A side is checked for its language only with at least this many letters
#: (Han characters count 2): ``CPC`` or ``Tokayev`` in a Chinese target is fine.
MIN_LETTERS_FOR_LANGUAGE = 12

_SPACE_RE = re.compile(r"\s+")
_TSV_HEADERS = {"en", "zh", "src", "tgt", "source", "target", "english", "chinese"}


@dataclass(frozen=True)
class Unit:
    """One translation unit.

    Attributes:
        index: 0-based position in the file.
        id: the unit's id attribute (TMX ``tuid``, XLIFF ``id``), or None.
        source, target: the two texts (inline markup reduced to its text).
        line: 1-based line of the unit in the file.
        src_lang, tgt_lang: ``"en"`` or ``"zh"``.
    """

    index: int
    id: str | None
    source: str
    target: str
    line: int
    src_lang: Lang
    tgt_lang: Lang

    @property
    def label(self) -> str:
        """``"unit 3"`` or ``"unit 3 (id seg-3)"``."""
        return f"unit {self.index + 1}" + (f" (id {self.id})" if self.id else "")


@dataclass(frozen=True)
class UnitFinding:
    """A problem with one translation unit."""

    check: str
    unit: int
    id: str | None
    line: int
    message: str
    severity: str = "warning"


@dataclass
class BilingualReport:
    """The units of a bilingual file and what the checks found."""

    path: str
    format: str
    units: list[Unit]
    findings: list[UnitFinding] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form (``schema: "tm-check/1"``)."""
        return {"schema": "tm-check/1", "path": self.path, "format": self.format,
                "units": len(self.units), "settings": self.settings,
                "findings": [{"check": f.check, "unit": f.unit + 1, "id": f.id, "line": f.line,
                              "message": f.message, "severity": f.severity}
                             for f in self.findings],
                "summary": {sev: sum(f.severity == sev for f in self.findings)
                            for sev in ("error", "warning", "info")}}


def bilingual_format(path: str | os.PathLike[str], requested: str | None = None) -> str | None:
    """``"tmx"``, ``"xliff"`` or ``"tsv"`` for a bilingual file, else None."""
    if requested:
        name = requested.strip().lower()
        name = "xliff" if name == "xlf" else name
        return name if name in BILINGUAL_FORMATS else None
    return BILINGUAL_EXTENSIONS.get(Path(path).suffix.lower())


# --- reading ----------------------------------------------------------------------


def read_units(path: str | os.PathLike[str], fmt: str | None = None) -> tuple[str, list[Unit]]:
    """Read the translation units of a TMX, XLIFF (1.2 or 2.x) or TSV file.

    Languages come from the file (TMX ``xml:lang``, XLIFF ``source-language``/
    ``srcLang``) when they name English and Chinese, else from the text.

    Returns:
        ``(format, units)``.

    Raises:
        InputError: unreadable, not that format, no units, or not English and Chinese.
    """
    name = os.fspath(path)
    fmt = bilingual_format(name, fmt)
    if fmt is None:
        raise UsageError(f"{name}: not a bilingual file; use .tmx, .xlf/.xliff or .tsv")
    if fmt == "tsv":
        rows = _tsv_rows(name)
    else:
        rows = _xml_rows(name, fmt)
    if not rows:
        raise InputError(f"{name} has no translation units")
    return fmt, _with_languages(name, rows)


# (id, source, target, line, declared source lang, declared target lang)
_Row = tuple[str | None, str, str, int, str | None, str | None]


def _tsv_rows(name: str) -> list[_Row]:
    from ..decoding import read_file

    text, _ = read_file(name)
    rows: list[_Row] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise InputError(f"{name}:{number}: expected two tab-separated columns (source, target)")
        if not rows and {c.strip().lower() for c in cells[:2]} <= _TSV_HEADERS:
            continue  # header row
        rows.append((None, cells[0], cells[1], number, None, None))
    return rows


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el) -> str:
    """The text of a segment, inline tags reduced to their text content."""
    return "".join(el.itertext()) if el is not None else ""


def _xml_rows(name: str, fmt: str) -> list[_Row]:
    from lxml import etree

    try:
        root = etree.parse(name, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name} is not well-formed XML ({exc})") from None
    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
    rows: list[_Row] = []
    if fmt == "tmx":
        if _local(root.tag) != "tmx":
            raise InputError(f"{name} is not a TMX file (root element <{_local(root.tag)}>)")
        header = next((e for e in root.iter() if _local(e.tag) == "header"), None)
        srclang = header.get("srclang") if header is not None else None
        for tu in (e for e in root.iter() if _local(e.tag) == "tu"):
            tuvs = [(tuv.get(lang_attr) or tuv.get("lang"),
                     next((s for s in tuv if _local(s.tag) == "seg"), None))
                    for tuv in tu if _local(tuv.tag) == "tuv"]
            if len(tuvs) < 2:
                continue
            first = next((i for i, (lang, _) in enumerate(tuvs)
                          if srclang and lang and lang.lower() == srclang.lower()), 0)
            src = tuvs[first]
            tgt = tuvs[1 if first == 0 else 0]
            rows.append((tu.get("tuid"), _text(src[1]), _text(tgt[1]), tu.sourceline or 0,
                         src[0], tgt[0]))
        return rows
    if _local(root.tag) != "xliff":
        raise InputError(f"{name} is not an XLIFF file (root element <{_local(root.tag)}>)")
    version2 = (root.get("version") or "").startswith("2")
    if version2:
        src_lang, tgt_lang = root.get("srcLang"), root.get("trgLang")
        for unit in (e for e in root.iter() if _local(e.tag) == "unit"):
            for k, seg in enumerate(e for e in unit.iter() if _local(e.tag) == "segment"):
                source = next((e for e in seg if _local(e.tag) == "source"), None)
                target = next((e for e in seg if _local(e.tag) == "target"), None)
                uid = unit.get("id")
                uid = uid if k == 0 else f"{uid}/{seg.get('id') or k + 1}"
                rows.append((uid, _text(source), _text(target), seg.sourceline or 0,
                             src_lang, tgt_lang))
        return rows
    for file in (e for e in root.iter() if _local(e.tag) == "file"):
        src_lang, tgt_lang = file.get("source-language"), file.get("target-language")
        for tu in (e for e in file.iter() if _local(e.tag) == "trans-unit"):
            source = next((e for e in tu if _local(e.tag) == "source"), None)
            target = next((e for e in tu if _local(e.tag) == "target"), None)
            rows.append((tu.get("id"), _text(source), _text(target), tu.sourceline or 0,
                         src_lang, tgt_lang))
    return rows


def _declared(tag: str | None) -> Lang | None:
    if not tag:
        return None
    base = tag.lower().replace("_", "-").split("-")[0]
    return "en" if base == "en" else "zh" if base in ("zh", "cmn", "yue") else None


def _with_languages(name: str, rows: list[_Row]) -> list[Unit]:
    """Units with their languages: declared, or by the script of each column."""
    from ..decoding import detect_lang

    src_lang, tgt_lang = _declared(rows[0][4]), _declared(rows[0][5])
    if not src_lang or not tgt_lang or src_lang == tgt_lang:
        try:
            src_lang = detect_lang(" ".join(r[1] for r in rows))  # type: ignore[assignment]
        except InputError:
            raise InputError(f"{name}: the source side has no letters") from None
        tgt_lang = "zh" if src_lang == "en" else "en"
        target_text = " ".join(r[2] for r in rows)
        if target_text.strip() and detect_lang(target_text) == src_lang:
            raise InputError(f"{name}: both sides look {'English' if src_lang == 'en' else 'Chinese'}; "
                             "give an English-Chinese file")
    return [Unit(i, r[0], r[1], r[2], r[3], src_lang, tgt_lang)  # type: ignore[arg-type]
            for i, r in enumerate(rows)]


# --- checks -----------------------------------------------------------------------


def _key(text: str, lang: Lang) -> str:
    """The form compared for duplicates: whitespace collapsed, case folded, Chinese t2s."""
    text = _SPACE_RE.sub(" ", text).strip()
    if lang == "zh":
        from ..text import normalize_zh

        return normalize_zh(text).replace(" ", "")
    return text.casefold()


def _wrong_language(text: str, lang: Lang) -> bool:
    """Whether ``text`` is clearly written in the other language than ``lang``."""
    from ..decoding import ZH_SHARE, letters

    han, latin = letters(text)
    if 2 * han + latin < MIN_LETTERS_FOR_LANGUAGE:
        return False
    return (han >= ZH_SHARE * (han + latin)) != (lang == "zh")


def robust_z(values: np.ndarray) -> np.ndarray:
    """Modified z-scores ``0.6745 (x - median) / MAD`` (Iglewicz and Hoaglin),
    MAD floored at :data:`MIN_MAD`."""
    median = float(np.median(values))
    mad = max(float(np.median(np.abs(values - median))), MIN_MAD)
    return 0.6745 * (values - median) / mad


def check_units(units: Sequence[Unit], *, encoder=None) -> tuple[list[UnitFinding], dict]:
    """Run the four checks on the units.

    Args:
        units: from :func:`read_units`.
        encoder: sentence encoder for ``tm-outlier`` (the cached default when None).

    Returns:
        ``(findings in unit order, statistics)``; the statistics give the
        median and MAD of the cosines and how many pairs were scored.
    """
    findings: list[UnitFinding] = []
    names = {"en": "English", "zh": "Chinese"}
    usable: list[Unit] = []
    for u in units:
        problem = False
        for side, text, lang in (("target", u.target, u.tgt_lang), ("source", u.source, u.src_lang)):
            if not text.strip():
                findings.append(UnitFinding("tm-empty", u.index, u.id, u.line,
                                            f"{u.label}: the {side} is empty", "error"))
                problem = True
            elif _wrong_language(text, lang):
                other = "zh" if lang == "en" else "en"
                same = " (a copy of the source)" if side == "target" and \
                    _key(u.target, lang) == _key(u.source, lang) else ""
                findings.append(UnitFinding(
                    "tm-language", u.index, u.id, u.line,
                    f"{u.label}: the {side} is in {names[other]}, not {names[lang]}{same}", "error"))
                problem = True
        if not problem:
            usable.append(u)

    stats: dict = {"scored": len(usable)}
    if len(usable) >= MIN_UNITS_FOR_OUTLIERS:
        findings += _outliers(usable, encoder, stats)

    first: dict[str, Unit] = {}
    for u in units:
        if not u.source.strip():
            continue
        key = _key(u.source, u.src_lang)
        seen = first.setdefault(key, u)
        if seen is not u and _key(seen.target, u.tgt_lang) != _key(u.target, u.tgt_lang):
            findings.append(UnitFinding(
                "tm-duplicate", u.index, u.id, u.line,
                f"{u.label}: same source as {seen.label} (line {seen.line}) but a different target",
                "warning"))
    order = {"tm-empty": 0, "tm-language": 1, "tm-outlier": 2, "tm-duplicate": 3}
    findings.sort(key=lambda f: (f.unit, order.get(f.check, 9)))
    return findings, stats


def _unit_vectors(encoder, texts: list[str]) -> np.ndarray:
    vecs = np.asarray(encoder.encode([_SPACE_RE.sub(" ", t).strip() for t in texts]),
                      dtype=np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def _outliers(units: list[Unit], encoder, stats: dict) -> list[UnitFinding]:
    """``tm-outlier`` findings: pairs whose similarity is a strong low outlier.

    Two scores per pair, each turned into a robust z-score over the file:

    - the cosine of source and target (a garbage or grossly partial target);
    - its *margin*: the cosine minus the best cosine of either side with a
      neighbouring unit's other side (within :data:`NEIGHBOURS` units, same
      texts excluded), the max-margin criterion of Artetxe and Schwenk (2019).
      A shifted or swapped pair has a negative margin. With a weak encoder
      cosines of good pairs spread widely, margins far less.
    """
    if encoder is None:
        from ..encoders import get_encoder

        encoder = get_encoder()
    src = _unit_vectors(encoder, [u.source for u in units])
    tgt = _unit_vectors(encoder, [u.target for u in units])
    n = len(units)
    cos = np.einsum("ij,ij->i", src, tgt)
    ids: dict[str, int] = {}
    src_keys = np.array([ids.setdefault(_key(u.source, u.src_lang), len(ids)) for u in units])
    tgt_keys = np.array([ids.setdefault("\0" + _key(u.target, u.tgt_lang), len(ids)) for u in units])
    best = np.full(n, -1.0, dtype=np.float32)
    partner = np.full(n, -1)

    def compete(units_: np.ndarray, others: np.ndarray, values: np.ndarray) -> None:
        ok = (src_keys[units_] != src_keys[others]) & (tgt_keys[units_] != tgt_keys[others])
        better = ok & (values > best[units_])
        best[units_[better]] = values[better]
        partner[units_[better]] = others[better]

    for d in range(1, min(NEIGHBOURS, n - 1) + 1):
        low, high = np.arange(0, n - d), np.arange(d, n)
        for values in (np.einsum("ij,ij->i", src[:-d], tgt[d:]),  # source i, target i+d
                       np.einsum("ij,ij->i", tgt[:-d], src[d:])):  # target i, source i+d
            compete(low, high, values)  # each such pair competes with both units
            compete(high, low, values)
    margin = cos - best
    z_cos, z_margin = robust_z(cos), robust_z(margin)
    median = float(np.median(cos))
    stats.update(median=round(median, 4), mad=round(float(np.median(np.abs(cos - median))), 4),
                 median_margin=round(float(np.median(margin)), 4))
    findings = []
    for k, u in enumerate(units):
        if min(z_cos[k], z_margin[k]) > OUTLIER_Z:
            continue
        if margin[k] < 0:
            j = units[int(partner[k])]
            why = f"misaligned or swapped: it fits {j.label} better (cosine {best[k]:.2f})"
        else:
            why = "misaligned or partial"
        findings.append(UnitFinding(
            "tm-outlier", u.index, u.id, u.line,
            f"{u.label}: source and target are unusually dissimilar (cosine {cos[k]:.2f}, file "
            f"median {median:.2f}, robust z {min(z_cos[k], z_margin[k]):.1f}); {why}",
            "error" if margin[k] < 0 else "warning"))
    return findings


def check_bilingual(path: str | os.PathLike[str], *, fmt: str | None = None,
                    encoder=None) -> BilingualReport:
    """Read a bilingual file and run :func:`check_units` on it."""
    name = os.fspath(path)
    fmt, units = read_units(name, fmt)
    findings, stats = check_units(units, encoder=encoder)
    settings = {"checks": ["tm-empty", "tm-language", "tm-outlier", "tm-duplicate"],
                "outlier_z": OUTLIER_Z, **stats}
    if encoder is not None:
        settings["encoder"] = encoder.signature()
    return BilingualReport(name, fmt, units, findings, settings)
