"""The library's front door: one call does what ``align check``/``align pair`` do.

    >>> from align.api import align_files
    >>> result = align_files("seeds/000_f1284998f700f5c0.txt")
    >>> [(g.only_in, g.line) for g in result.gaps]            # doctest: +SKIP

Flow: documents (``read``/``text``) → sentence vectors (``encoders``, cached)
→ paragraph alignment → sentence alignment inside each paragraph group
(``core``) → gaps (``gaps``). Nothing here prints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from . import core
from .embed import Embedded, VectorConfig, embed_documents, glosses_on_demand
from .gaps import (
    PARAGRAPH_DETECTOR,
    SENTENCE_DETECTOR,
    detector_rows,
    gap_rows,
    gaps_from_beads,
    model_rows,
    nearby_model,
    pair_facing,
    take_out_absorbed,
)
from .lexical import WordIds
from .memory import release_free_memory
from .models import Alignment, Bead, Document, Gap
from .text import quote_states
from .version import __version__

#: Paragraph beads: up to 3 paragraphs a side.
PARAGRAPH_CONFIG = core.AlignConfig(max_bead=6, max_side=3, window=8, top_k=3, refine=False)
#: Sentence beads: up to 8 sentences in all.
SENTENCE_CONFIG = core.AlignConfig()
#: Sentences (both sides) of a paragraph bead after whose alignment free heap is returned.
_LARGE_GROUP = 5000


@cache
def load_weights(level: str, shapes: tuple[tuple[int, int], ...]) -> np.ndarray | None:
    """The learned feature weights shipped with the package, mapped onto ``shapes``.

    Features the file does not name get weight 0. Returns None when no file
    exists for ``level`` (then Bertalign's scoring is used). The array is
    cached and shared, so it is read-only.
    """
    try:
        text = resources.files("align").joinpath(f"data/weights_{level}.json").read_text("utf-8")
    except FileNotFoundError:
        return None
    named = json.loads(text)["weights"]
    weights = np.array([named.get(name, 0.0) for name in core.feature_names(shapes)])
    weights.setflags(write=False)
    return weights


def _lengths(texts: list[str]) -> np.ndarray:
    return np.array([max(1, len(t.replace(" ", ""))) for t in texts], dtype=float)


def _within(report: Callable[[str, int, int], None], before: int, size: int,
            total: int) -> Callable[[float], None]:
    """A part's progress (a fraction of its ``size`` sentences) as the whole's ``aligning`` stage."""
    return lambda fraction: report("aligning", before + int(fraction * size), total)


def align_documents(en: Document, zh: Document, *, encoder=None,
                    sentence_config: core.AlignConfig | None = None,
                    paragraph_config: core.AlignConfig | None = None,
                    paragraphs: bool = True, checks: Sequence[str] | None = None,
                    vector_config: VectorConfig | None = None,
                    progress: Callable[[str, int, int], None] | None = None) -> Alignment:
    """Align an English and a Chinese document.

    Args:
        en, zh: the documents (see :func:`align.read.load_documents`).
        encoder: a sentence encoder (:func:`align.encoders.get_encoder`); the
            cached default when None.
        sentence_config, paragraph_config: search parameters of each level.
        vector_config: how the encoder's vectors are post-processed
            (:class:`align.embed.VectorConfig`; centring and the gloss view by default).
        paragraphs: align paragraphs first (False: one sentence-level pass over
            the whole text, as for pre-split input).
        checks: the QA checks to run on the aligned pairs (:data:`align.qa.CHECKS`
            names; None = all, ``[]`` = none); their findings fill ``findings``.
        progress: called as ``progress(stage, done, total)`` while the work
            goes on: ``"embedding"`` (sentences embedded), ``"aligning"`` (sentences
            aligned), ``"checking"`` (gaps, then the QA checks). Nothing is printed.
    Returns:
        The :class:`~align.models.Alignment`; ``settings["timings"]`` holds the
        seconds spent embedding and aligning, ``settings["checks"]`` the checks run.
    """
    from .guard import checked_documents, checked_encoder, checked_options
    from .qa import resolve_checks, run_checks
    en, zh = checked_documents(en, zh)
    checked_options(sentence_config=sentence_config, paragraph_config=paragraph_config,
                    vector_config=vector_config, progress=progress, paragraphs=paragraphs)
    check_names = resolve_checks(checks)
    encoder = checked_encoder(encoder)
    sconf = sentence_config or SENTENCE_CONFIG
    pconf = paragraph_config or PARAGRAPH_CONFIG
    vconf = vector_config or VectorConfig()
    report = progress or _silent
    by_paragraphs = paragraphs and (len(en.paragraphs) > 1 or len(zh.paragraphs) > 1)
    emb = embed_documents(en, zh, encoder, vconf, progress=lambda done, total: report("embedding", done, total),
                          on_demand=model_rows(len(zh.sentences)) if glosses_on_demand(zh, by_paragraphs) else None)
    try:  # the gloss view is embedded meanwhile (embed.GlossView)
        paragraph_beads, sentence_beads, gaps, watch = _passes(en, zh, emb, (sconf, pconf), by_paragraphs, report)
    finally:
        emb.close()
    settings = _settings(encoder, paragraphs, (sconf, pconf, vconf), (emb.seconds, watch.seconds), check_names)
    result = Alignment(en, zh, paragraph_beads, sentence_beads, gaps, settings,
                       _signature(encoder, vconf, pconf, sconf, paragraphs))
    report("checking", 1, 2)
    result.findings = run_checks(result, check_names)
    report("checking", 2, 2)
    return result


def _passes(en: Document, zh: Document, emb: Embedded, configs: tuple[core.AlignConfig, core.AlignConfig],
            paragraphs: bool, report: Callable[[str, int, int], None],
            ) -> tuple[list[Bead], list[Bead], list[Gap], _Stopwatch]:
    """The paragraph pass, the sentence pass and the gaps: ``(paragraph beads,
    sentence beads, gaps, the time they took)``."""
    sconf, pconf = configs
    report("aligning", 0, len(en.sentences) + len(zh.sentences))
    ev, zv = emb.sentence_pass()
    watch = _Stopwatch()
    sweights = load_weights("sentence", tuple(sconf.shapes()))
    with watch.timing():  # before the paragraph pass, which waits for the gloss view
        inputs = SentenceInputs.of(en, zh, ev, zv, lexical=_uses_lexical(sconf, sweights))
    with watch.timing(emb):
        paragraph_beads = (paragraph_pass(en, zh, emb.en_paragraphs, emb.zh_paragraphs, pconf) if paragraphs
                           else [Bead(tuple(range(len(en.paragraphs))), tuple(range(len(zh.paragraphs))), 0.0)])
    sentence_beads = _SentencePass(en, zh, emb, inputs, sconf, sweights, watch, report).run(paragraph_beads)
    report("checking", 0, 2)
    with watch.timing(emb):
        sentence_beads, gaps = detect_gaps(en, zh, emb, inputs, paragraph_beads, sentence_beads)
    return paragraph_beads, sentence_beads, gaps, watch


def _span(indices: list[int]) -> slice | list[int]:
    """``indices`` as a slice when they are consecutive (they index without copying)."""
    if indices and indices[-1] - indices[0] == len(indices) - 1:
        return slice(indices[0], indices[-1] + 1)
    return indices


def _silent(stage: str, done: int, total: int) -> None:
    """The progress callback that reports nothing."""


class _Stopwatch:
    """Seconds spent aligning, added up over the stages; encoder time (span
    embedding during the sentence pass) is left out."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def timing(self, emb: Embedded | None = None) -> Iterator[None]:
        t = time.perf_counter()
        embed_before = emb.seconds if emb is not None else 0.0
        yield
        self.seconds += time.perf_counter() - t - (emb.seconds - embed_before if emb is not None else 0.0)


def paragraph_pass(en: Document, zh: Document, epv: np.ndarray, zpv: np.ndarray,
                   pconf: core.AlignConfig) -> list[Bead]:
    """Paragraph beads: the aligned paragraphs, then the detector's paragraph
    orphans (a paragraph merged into a neighbour's bead) taken out as beads of their own."""
    e_plen, z_plen = _lengths([p.norm for p in en.paragraphs]), _lengths([p.norm for p in zh.paragraphs])
    plinks = core.align_sequences(
        zpv, epv, z_plen, e_plen,
        pconf, load_weights("paragraph", tuple(pconf.shapes())),
        x_paratext=np.array([p.kind != "body" for p in zh.paragraphs]),
        y_paratext=np.array([p.kind != "body" for p in en.paragraphs]))
    paragraph_beads = [Bead(link.y, link.x, round(link.score, 4)) for link in plinks]
    # Orphans the paragraph pass merged into a neighbour's bead come out as gaps.
    paragraph_beads = pair_facing(paragraph_beads, epv, zpv, nearby_model(epv, zpv, paragraph_beads),
                                  e_plen, z_plen, en.paragraphs, zh.paragraphs)
    return take_out_absorbed(paragraph_beads, epv, zpv, e_plen, z_plen, PARAGRAPH_DETECTOR)


def _uses_lexical(sconf: core.AlignConfig, sweights: np.ndarray | None) -> bool:
    """Whether the sentence weights give the bags of words (the ``lexical`` and ``overlap`` features) any weight."""
    names = core.feature_names(sconf.shapes())
    return bool(sweights is not None and (sweights[names.index("lexical")] or sweights[names.index("overlap")]))


@dataclass(frozen=True)
class SentenceInputs:
    """What the sentence pass and the sentence detector read of both documents:
    vectors, lengths, the document-wide search context, lexical bags, quotation states."""

    ev: np.ndarray
    zv: np.ndarray
    elen: np.ndarray
    zlen: np.ndarray
    context: core.DocumentContext
    elex: np.ndarray | None
    zlex: np.ndarray | None
    equote: np.ndarray
    zquote: np.ndarray
    #: the bags exactly (:class:`align.lexical.WordIds`) and each shared word's idf
    ewords: WordIds | None = None
    zwords: WordIds | None = None
    idf: np.ndarray | None = None

    @classmethod
    def of(cls, en: Document, zh: Document, ev: np.ndarray, zv: np.ndarray, *,
           lexical: bool) -> SentenceInputs:
        zlen = _lengths([s.norm for s in zh.sentences])
        elen = _lengths([s.norm for s in en.sentences])
        context = core.DocumentContext.of(zv, ev, zlen, elen)
        zquote, equote = np.array(quote_states(zh)), np.array(quote_states(en))
        if not lexical:
            return cls(ev, zv, elen, zlen, context, None, None, equote, zquote)
        from .lexical import bag_inputs, en_bag, zh_bag
        elex, zlex, ewords, zwords, idf = bag_inputs(
            (en_bag(s.norm) for s in en.sentences), (zh_bag(s.norm) for s in zh.sentences),
            len(en.sentences), len(zh.sentences))
        return cls(ev, zv, elen, zlen, context, elex, zlex, equote, zquote, ewords, zwords, idf)


@dataclass
class _SentencePass:
    """The sentence pass: each paragraph bead's sentences aligned among themselves."""

    en: Document
    zh: Document
    emb: Embedded
    inputs: SentenceInputs
    sconf: core.AlignConfig
    sweights: np.ndarray | None
    watch: _Stopwatch
    report: Callable[[str, int, int], None]

    def run(self, paragraph_beads: list[Bead]) -> list[Bead]:
        n_sents = len(self.en.sentences) + len(self.zh.sentences)
        sentence_beads: list[Bead] = []
        aligned = 0
        for pb in paragraph_beads:
            e_idx = [s.index for p in pb.en for s in self.en.paragraphs[p].sentences]
            z_idx = [s.index for p in pb.zh for s in self.zh.paragraphs[p].sentences]
            if not e_idx or not z_idx:
                sentence_beads += [Bead((k,), (), 0.0) for k in e_idx] + [Bead((), (k,), 0.0) for k in z_idx]
                aligned += len(e_idx) + len(z_idx)
                continue
            size = len(e_idx) + len(z_idx)
            with self.watch.timing(self.emb):
                sentence_beads += self.group(e_idx, z_idx, _within(self.report, aligned, size, n_sents))
            if size >= _LARGE_GROUP:  # its lattices' temporaries, before the next stage
                release_free_memory()
            aligned += size
            self.report("aligning", aligned, n_sents)
        self.report("aligning", n_sents, n_sents)  # sentences in no paragraph bead are done too
        self.emb.forget_parts()  # no more spans to embed
        return sentence_beads

    def overlap(self, zs: slice | list[int], es: slice | list[int]) -> core.WordOverlap | None:
        """The words shared by the sentences ``zs`` and ``es`` (the ``overlap``
        feature), when the weights give it any weight."""
        inp = self.inputs
        if inp.zwords is None or inp.ewords is None or inp.idf is None or self.sweights is None or \
                not self.sweights[core.feature_names(self.sconf.shapes()).index("overlap")]:
            return None
        return core.WordOverlap(inp.zwords.rows(zs), inp.ewords.rows(es), inp.idf)

    def group(self, e_idx: list[int], z_idx: list[int], progress: Callable[[float], None]) -> list[Bead]:
        """The sentence beads of one paragraph bead (sentence indices ``e_idx``, ``z_idx``)."""
        inp = self.inputs
        # A paragraph bead's sentences are consecutive: slices are views, where
        # index lists would copy every vector of a book-length paragraph.
        zs, es = _span(z_idx), _span(e_idx)
        links = core.align_sequences(
            inp.zv[zs], inp.ev[es], inp.zlen[zs], inp.elen[es], self.sconf, self.sweights,
            self.emb.span_embedder("zh", z_idx[0], e_idx[0]), context=inp.context.at(z_idx[0], e_idx[0]),
            x_lex=None if inp.zlex is None else inp.zlex[zs], y_lex=None if inp.elex is None else inp.elex[es],
            x_quote=np.concatenate([[False], inp.zquote[zs]]),
            y_quote=np.concatenate([[False], inp.equote[es]]),
            overlap=self.overlap(zs, es), progress=progress)
        return [Bead(tuple(e_idx[k] for k in link.y), tuple(z_idx[k] for k in link.x), round(link.score, 4))
                for link in links]


def detect_gaps(en: Document, zh: Document, emb: Embedded, inputs: SentenceInputs,
                paragraph_beads: list[Bead], sentence_beads: list[Bead]) -> tuple[list[Bead], list[Gap]]:
    """The sentence detector (absorbed sentences taken out of their beads), then the
    gaps of both levels: ``(sentence beads, gaps)``."""
    lexical = None if inputs.zwords is None or inputs.ewords is None else (inputs.ewords, inputs.zwords)
    quotes = (inputs.equote, inputs.zquote)
    # A long text's gloss view is made only where read (Embedded.on_demand).
    zv = emb.zh_rows(detector_rows(sentence_beads, inputs.elen, inputs.zlen, SENTENCE_DETECTOR, lexical, quotes)["zh"]
                     if emb.on_demand else ())
    sentence_beads = take_out_absorbed(sentence_beads, emb.en, zv, inputs.elen, inputs.zlen,
                                       SENTENCE_DETECTOR, lexical=lexical, quotes=quotes, parts=emb.clauses)
    zv = emb.zh_rows(gap_rows(sentence_beads, len(en.sentences), len(zh.sentences))["zh"] if emb.on_demand else ())
    gaps = gaps_from_beads(en, zh, paragraph_beads, sentence_beads, emb.en, zv,
                           emb.en_paragraphs, emb.zh_paragraphs)
    release_free_memory()  # before the checks
    return sentence_beads, gaps


def _settings(encoder, paragraphs: bool,
              configs: tuple[core.AlignConfig, core.AlignConfig, VectorConfig],
              seconds: tuple[float, float], check_names: list[str]) -> dict:
    """The result's ``settings``: the configurations, the timings (embedding, aligning), the checks."""
    sconf, pconf, vconf = configs
    return {
        "encoder": encoder.signature(),
        "paragraphs": paragraphs,
        "sentence_config": asdict(sconf),
        "paragraph_config": asdict(pconf),
        "vectors": asdict(vconf),
        "timings": {"embed": round(seconds[0], 4), "align": round(seconds[1], 4)},
        "checks": check_names,
    }


def _signature(encoder, vconf: VectorConfig, pconf: core.AlignConfig, sconf: core.AlignConfig,
               paragraphs: bool) -> str:
    """The result's signature: each stage's part (docs/architecture.md)."""
    return "|".join([
        f"enc:{encoder.signature()}", vconf.signature(), "cc:t2s", "zh:jieba",
        f"para:{pconf.max_side}+{pconf.max_side}" if paragraphs else "para:off",
        f"sent:{sconf.max_bead}", f"w:{sconf.window}",
        f"gap:p{PARAGRAPH_DETECTOR.signature()}+s{SENTENCE_DETECTOR.signature()}", f"v:{__version__}",
    ])


def align_files(first: str | Path, second: str | Path | None = None, *, presplit: bool = False,
                input_format: str | None = None, encoder=None, **kwargs) -> Alignment:
    """Read one mixed file or two files (either order) and align them.

    With ``presplit`` each line is one sentence and the whole text is aligned
    at sentence level (paragraph structure is not used). ``input_format``
    overrides the format chosen by extension (see :func:`align.read.load_documents`).
    """
    from .guard import checked_encoder, checked_flag, checked_path
    from .read import load_documents
    first_path = checked_path(first, "first")
    second_path = None if second is None else checked_path(second, "second")
    presplit = checked_flag(presplit, "presplit")
    encoder = checked_encoder(encoder)
    en, zh = load_documents(first_path, second_path, presplit=presplit, input_format=input_format)
    kwargs.setdefault("paragraphs", not presplit)
    result = align_documents(en, zh, encoder=encoder, **kwargs)
    result.settings["presplit"] = presplit
    return result


def align_texts(en_text: str, zh_text: str, *, presplit: bool = False, encoder=None, **kwargs) -> Alignment:
    """Align two strings (English, Chinese; the other order is detected) without files.

    Raises:
        InputError: a text is not a str, too long, empty, without letters, or
            both are in one language (see :mod:`align.guard`).
    """
    from .guard import checked_encoder, checked_flag, checked_texts
    from .read import documents_from_texts
    texts = checked_texts(en_text, zh_text)
    presplit = checked_flag(presplit, "presplit")
    encoder = checked_encoder(encoder)
    en, zh = documents_from_texts(texts.en, texts.zh, presplit=presplit)
    kwargs.setdefault("paragraphs", not presplit)
    result = align_documents(en, zh, encoder=encoder, **kwargs)
    result.settings["presplit"] = presplit
    return result

