"""The embed stage: sentence, paragraph and span vectors of a document pair.

The encoder's raw vectors (cached on disk by :class:`align.cache.CachedEncoder`)
are post-processed per document pair before anything compares them:

- **Centring.** Each language's mean vector over the document is subtracted and
  the vectors are renormalised. The mean is a direction that carries language
  identity rather than meaning; removing it is a known post-processing step for
  cross-lingual embeddings (Mu & Viswanath 2018, "all-but-the-top"; Libovický et
  al. 2020, "language-neutral" representations). Optionally the top principal
  components of each language are removed too (``components``).
- **A gloss view of Chinese.** Each Chinese sentence's rough English reading
  (:func:`align.lexical.gloss`: CC-CEDICT first senses of its jieba tokens) is
  embedded with the same encoder, processed the same way, and added to the
  Chinese vector with weight ``gloss``. It gives the encoder's English side a
  second look at the Chinese.

Everything downstream (paragraph vectors, span vectors of the refinement pass,
the null model and the gap confidence) uses the processed vectors. The
processing is fitted once per document pair (:class:`Processing`), so it is
deterministic per document and the cache only ever holds raw encoder outputs.
Measured in docs/aligner.md ("Vectors").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .memory import release_free_memory
from .models import Document, Lang


@dataclass(frozen=True)
class VectorConfig:
    """How raw encoder vectors are post-processed.

    Attributes:
        centre: subtract each language's document mean.
        components: how many top principal components of each language to remove
            after centring (0: none).
        gloss: weight of the Chinese gloss view (0: not computed).
        gloss_spans: give the refinement pass's joined Chinese spans a gloss view too.
        sentence_pass: the sentence-level dynamic programme uses the processed
            vectors too. Off by default: on MAC-Dev it lowered strict F1 (0.904 ->
            0.898), although P@1 rose; the paragraph pass and the gap detector
            gain from them (docs/aligner.md, "Vectors").
    """

    centre: bool = True
    components: int = 0
    gloss: float = 0.5
    gloss_spans: bool = True
    sentence_pass: bool = False

    def signature(self) -> str:
        """``vec:c1+pc0+g0.5s+p`` style: what was done to the vectors, and where
        (``+p``: the paragraph pass and gaps only; ``+ps``: the sentence pass too)."""
        spans = "s" if self.gloss and self.gloss_spans else ""
        used = "+ps" if self.sentence_pass else "+p"
        return f"vec:c{int(self.centre)}+pc{self.components}+g{self.gloss:g}{spans}{used}"


#: No post-processing: the encoder's vectors as they are.
RAW = VectorConfig(centre=False, components=0, gloss=0.0)


_ROWS = 8192  # rows normalised at a time in place


def normalise(v: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero).

    ``in_place`` scales a float32 ``v`` itself (the same values, without a
    second array the size of a book's vectors).
    """
    if not (in_place and v.dtype == np.float32):
        norms = np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
        return (v / norms).astype(np.float32, copy=False)
    # In blocks of rows: ``linalg.norm`` squares its whole input first, a
    # temporary the size of ``v``; each row's norm is the same either way.
    for start in range(0, len(v), _ROWS):
        block = v[start:start + _ROWS]
        block /= np.maximum(np.linalg.norm(block, axis=-1, keepdims=True), 1e-12)
    return v


@dataclass(frozen=True)
class Transform:
    """Centring and component removal for one kind of vector (one language or the glosses)."""

    mean: np.ndarray | None = None
    components: np.ndarray | None = None  # (k, d) orthonormal rows

    @classmethod
    def fit(cls, raw: np.ndarray, config: VectorConfig) -> Transform:
        """Fit on one document's raw vectors of one kind."""
        if not config.centre or len(raw) < 2:
            return cls()
        mean = raw.mean(axis=0).astype(np.float32)
        comps = None
        if config.components:
            centred = raw - mean
            k = min(config.components, len(raw) - 1)
            comps = np.linalg.svd(centred, full_matrices=False)[2][:k].astype(np.float32)
        return cls(mean, comps)

    def __call__(self, raw: np.ndarray, *, in_place: bool = False) -> np.ndarray:
        """The processed vectors of ``raw``: a new array, or ``raw`` itself
        processed in place with ``in_place`` (for a float32 ``raw``)."""
        out = raw if in_place and raw.dtype == np.float32 else np.array(raw, dtype=np.float32)
        if self.mean is not None:
            out -= self.mean
        if self.components is not None:
            out -= (out @ self.components.T) @ self.components
        return normalise(out, in_place=True)


@dataclass(frozen=True)
class Processing:
    """The post-processing of one document pair, fitted on its raw vectors."""

    config: VectorConfig
    en: Transform
    zh: Transform
    gloss: Transform

    @classmethod
    def fit(cls, config: VectorConfig, en_raw: np.ndarray, zh_raw: np.ndarray,
            gloss_raw: np.ndarray | None = None) -> Processing:
        gloss = Transform.fit(gloss_raw, config) if gloss_raw is not None else Transform()
        return cls(config, Transform.fit(en_raw, config), Transform.fit(zh_raw, config), gloss)

    def apply(self, lang: Lang, raw: np.ndarray, gloss_raw: np.ndarray | None = None, *,
              gloss_in_place: bool = False) -> np.ndarray:
        """Processed unit vectors of ``lang`` (Chinese mixed with its gloss view when
        given; ``gloss_in_place`` processes ``gloss_raw`` in its own memory, which
        the caller gives up)."""
        if lang == "en":
            return self.en(raw)
        vecs = self.zh(raw)
        if gloss_raw is not None and self.config.gloss:
            view = self.gloss(gloss_raw, in_place=gloss_in_place)
            view *= np.float32(self.config.gloss)
            vecs += view
            del view
            vecs = normalise(vecs, in_place=True)
        return vecs


def encode(encoder, texts: Sequence[str], *, keep_parts: bool = False) -> np.ndarray:
    """``encoder.encode(texts)`` as float32, with ``(0, dim)`` for no text.

    ``keep_parts``: the encoder keeps what it needs to embed joined texts of
    these (:func:`encode_joined`), if it can.
    """
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    if keep_parts and getattr(encoder, "joins_parts", False):
        return np.asarray(encoder.encode(list(texts), keep_parts=True), dtype=np.float32)
    return np.asarray(encoder.encode(list(texts)), dtype=np.float32)


def encode_joined(encoder, parts: Sequence[Sequence[str]], joiner: str) -> np.ndarray:
    """The vectors of ``joiner.join(p)`` for each ``p``: through the encoder's
    ``encode_joined`` (which reuses the kept parts, see :func:`encode`) where it
    has one, else of the joined texts."""
    if not parts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    if getattr(encoder, "joins_parts", False):
        return np.asarray(encoder.encode_joined(parts, joiner), dtype=np.float32)
    return encode(encoder, [joiner.join(p) for p in parts])


def forget_parts(encoder) -> None:
    """The encoder lets go of what :func:`encode` ``keep_parts`` kept."""
    forget = getattr(encoder, "forget_parts", None)
    if forget is not None:
        forget()


def _cached(encoder: object) -> bool:
    """Whether ``encoder`` keeps its vectors (is, or wraps, a :class:`align.cache.CachedEncoder`)."""
    from .cache import CachedEncoder

    seen = 0
    while encoder is not None and seen < 8:
        if isinstance(encoder, CachedEncoder):
            return True
        encoder = getattr(encoder, "inner", None)
        seen += 1
    return False


#: Chinese sentences beyond which a text aligned without a paragraph pass gets
#: its gloss view on demand (:func:`glosses_on_demand`).
ON_DEMAND_FROM = 2000


def glosses_on_demand(zh: Document, paragraph_pass: bool) -> bool:
    """Whether the gloss view of ``zh`` is best made on demand: the paragraph
    pass reads every sentence's processed vector, the sentence detector (on its
    own) only those of a few beads and of the sample its cosine model is fitted
    on (:func:`align.gaps.detector_rows`). A book's 30,000 glosses cost about 48 s
    of CPU, a quarter of the whole (docs/aligner.md, "Quality and speed")."""
    return not paragraph_pass and len(zh.sentences) > ON_DEMAND_FROM


#: What joins the sentences of a span into one text, by language.
JOINER: dict[str, str] = {"zh": "", "en": " "}


def joined(doc: Document, start: int, length: int, *, gloss: bool = False) -> str:
    """The normalised text of ``doc.sentences[start:start + length]`` (or its gloss)."""
    from .lexical import gloss as gloss_of

    sents = doc.sentences[start:start + length]
    if gloss:
        return " ".join(gloss_of(s.norm) or s.norm for s in sents)
    return JOINER[doc.lang].join(s.norm for s in sents)


def paragraph_vectors(doc: Document, vecs: np.ndarray) -> np.ndarray:
    """(paragraphs, d): the normalised sum of each paragraph's sentence vectors."""
    out = np.zeros((len(doc.paragraphs), vecs.shape[1]), dtype=np.float32)
    for p in doc.paragraphs:
        if p.sentences:  # consecutive sentences: a view, not a copy of a long paragraph's vectors
            out[p.index] = vecs[p.sentences[0].index:p.sentences[-1].index + 1].sum(axis=0)
    return normalise(out)


class EncoderTurns:
    """Encoder calls one at a time, the caller's before the gloss view's thread's.

    A plain lock would let the thread take it back at once after each chunk,
    and the caller's span embedding (on the critical path) would wait for all
    of the glosses. There is one for the process (:data:`TURNS`): encoders set
    process-wide BLAS thread limits, and two calls at once, even of two
    document pairs, would change each other's limits and so their rounding.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None  # the thread whose turn it is
        self._waiting = 0

    @contextmanager
    def first(self) -> Iterator[None]:
        """The caller's turn: as soon as the running call ends (at once if it is its own)."""
        me = threading.get_ident()
        if self._owner == me:
            yield
            return
        with self._cond:
            self._waiting += 1
            while self._owner is not None:
                self._cond.wait()
            self._waiting -= 1
            self._owner = me
        try:
            yield
        finally:
            self._done()

    @contextmanager
    def after(self) -> Iterator[None]:
        """The thread's turn: when no call runs and none waits."""
        with self._cond:
            while self._owner is not None or self._waiting:
                self._cond.wait()
            self._owner = threading.get_ident()
        try:
            yield
        finally:
            self._done()

    def _done(self) -> None:
        with self._cond:
            self._owner = None
            self._cond.notify_all()


#: The process's encoder turns (see :class:`EncoderTurns`).
TURNS = EncoderTurns()


class GlossView:
    """The raw vectors of the Chinese sentences' glosses (the gloss view), made
    on a thread of their own while the caller goes on (``background``).

    Nothing reads them until the paragraph pass or the gap detector: the
    sentence pass aligns the raw sentence vectors, its inputs need none. On two
    cores the thread, with one encoder worker, fills the core that the
    single-threaded stages leave idle. Encoder calls take ``turns``
    (:class:`EncoderTurns`), the caller's span embedding first, one chunk of
    glosses at a time. When the caller needs the vectors, it encodes the
    chunks not yet made itself, with all the encoder's workers. A text's vector
    does not depend on its batch, so the vectors are those of one call.
    """

    _CHUNK = 256  # glosses per encoder call: what a span embedding may wait for

    def __init__(self, encoder, sentences: Sequence[str], turns: EncoderTurns, *, background: bool) -> None:
        self._encoder, self._turns = encoder, turns
        self._sentences: Sequence[str] | None = sentences
        self.texts: list[str] = []
        self._chunks: list[np.ndarray] = []
        self._taken = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._make, name="align-glosses", daemon=True)
            self._thread.start()
        else:
            self._glosses()
            while self._next_chunk(self._turns.first):
                pass

    def _glosses(self) -> None:
        from .lexical import gloss

        sentences, self._sentences = self._sentences or (), None
        self.texts = [gloss(s) or s for s in sentences]

    def _make(self) -> None:
        from .encoders.base import threads_at_most

        try:
            self._glosses()
            with threads_at_most(1):
                while not self._stop.is_set() and self._next_chunk(self._turns.after):
                    pass
        except BaseException as exc:  # raised to the caller by take()
            self._error = exc

    def _next_chunk(self, turn: Callable[[], AbstractContextManager[None]]) -> bool:
        """Encode the next chunk in ``turn``; False when none is left."""
        start = len(self._chunks) * self._CHUNK
        if start >= len(self.texts):
            return False
        with turn():
            self._chunks.append(encode(self._encoder, self.texts[start:start + self._CHUNK]))
        return True

    def take(self) -> np.ndarray:
        """The glosses' raw vectors: the thread stops after its chunk, the rest are
        made here. The caller may overwrite them. Taken again, they are encoded
        again (from the cache, when the encoder has one)."""
        self.close()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._taken:
            with self._turns.first():
                return encode(self._encoder, self.texts)
        while self._next_chunk(self._turns.first):
            pass
        chunks, self._chunks, self._taken = self._chunks, [], True
        return np.concatenate(chunks) if chunks else encode(self._encoder, [])

    def close(self) -> None:
        """Stop making them (after the chunk in progress) and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@dataclass
class Embedded:
    """The vectors of one document pair (the embed stage's output).

    Attributes:
        en_raw, zh_raw: (sentences, d) the encoder's vectors, for the sentence pass
            unless ``VectorConfig.sentence_pass``.
        glosses: the Chinese gloss view's raw vectors (perhaps still being
            made, :class:`GlossView`), or None.
        seconds: time spent in the encoder so far, or waiting for the glosses
            (span embedding adds to it).
        turns: taken around every encoder call (the gloss view's thread may be making calls).

    With a ``sample`` (``on_demand``: a long text aligned without a paragraph pass, see
    :func:`embed_documents`), the gloss view is made only for the Chinese
    sentences asked for (:meth:`zh_rows`), and ``glosses`` are those of a
    sample given in advance, whose mean centres the view.

    The processed vectors (``en``, ``zh``, the paragraph vectors) and the fitted
    ``processing`` are computed when first asked for, which waits for the
    glosses. ``en`` is not held by the paragraph vectors, so that the sentence
    pass, which reads the raw vectors, does not also hold a second copy of them (a
    book's 30,000 sentences: 61 MB). Nor is ``zh`` when the glosses can be read
    back from the encoder's cache: the detector recomputes it then.
    """

    en_doc: Document
    zh_doc: Document
    encoder: object
    config: VectorConfig
    en_raw: np.ndarray
    zh_raw: np.ndarray
    glosses: GlossView | None = None
    seconds: float = 0.0
    turns: EncoderTurns = TURNS
    sample: Sequence[int] | None = None
    _processing: Processing | None = field(default=None, init=False, repr=False)
    _kept_zh: np.ndarray | None = field(default=None, init=False, repr=False)
    _partial: np.ndarray | None = field(default=None, init=False, repr=False)
    _glossed: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def on_demand(self) -> bool:
        """Whether the gloss view is made on demand (see :meth:`zh_rows`), ``sample`` first."""
        return self.sample is not None

    def _take_glosses(self) -> np.ndarray | None:
        if self.glosses is None:
            return None
        t = time.perf_counter()
        vectors = self.glosses.take()
        self.seconds += time.perf_counter() - t
        return vectors

    def _processed_zh(self) -> np.ndarray:
        """The processed Chinese vectors (the processing fitted on first use)."""
        gloss_raw = self._take_glosses()
        if self._processing is None:
            self._processing = Processing.fit(self.config, self.en_raw, self.zh_raw, gloss_raw)
        return self._processing.apply("zh", self.zh_raw, gloss_raw, gloss_in_place=True)

    @property
    def processing(self) -> Processing:
        """The post-processing fitted on this pair (applied to span vectors too)."""
        if self._processing is None:
            if self.on_demand:
                self._fit_on_demand()
            else:
                self._kept_zh = self._processed_zh()  # for ``zh`` or ``zh_paragraphs``
        assert self._processing is not None
        return self._processing

    def _encoded(self, texts: Sequence[str], *, glossed: bool = False) -> np.ndarray:
        """Raw vectors of ``texts`` (with ``glossed``, of their gloss view), made now
        in the encoder's turn; the time counts in ``seconds``."""
        from .lexical import gloss

        t = time.perf_counter()
        with self.turns.first():
            vectors = encode(self.encoder, [gloss(x) or x for x in texts] if glossed else list(texts))
        self.seconds += time.perf_counter() - t
        return vectors

    def _gloss_vectors(self, rows: Sequence[int]) -> np.ndarray:
        """Raw gloss-view vectors of the Chinese sentences ``rows``, made now."""
        sentences = self.zh_doc.sentences
        return self._encoded([sentences[k].norm for k in rows], glossed=True)

    def _fit_on_demand(self) -> None:
        """The processing fitted with the gloss view of the sample (``glosses``);
        every other sentence without its gloss view until asked for."""
        n = len(self.zh_raw)
        sample = list(self.sample or ())
        vectors = self._take_glosses() if sample else None
        self._processing = Processing.fit(self.config, self.en_raw, self.zh_raw, vectors)
        self._partial = self._processing.apply("zh", self.zh_raw)
        self._glossed = np.zeros(n, dtype=bool)
        if vectors is not None:
            self._mix(sample, vectors)

    def _mix(self, rows: list[int], gloss_raw: np.ndarray) -> None:
        assert self._processing is not None and self._partial is not None and self._glossed is not None
        self._partial[rows] = self._processing.apply("zh", self.zh_raw[rows], gloss_raw, gloss_in_place=True)
        self._glossed[rows] = True

    def zh_rows(self, rows: Iterable[int]) -> np.ndarray:
        """(sentences, d) processed Chinese vectors of which at least ``rows``
        have their gloss view: all of them (``zh``) unless ``on_demand``. There,
        the gloss view of the rows not yet made is made now; the others are
        centred only, until asked for."""
        if not self.on_demand:
            return self.zh
        if self._processing is None:
            self._fit_on_demand()
        assert self._partial is not None and self._glossed is not None
        if self.config.gloss:
            missing = sorted(k for k in set(rows) if not self._glossed[k])
            if missing:
                self._mix(missing, self._gloss_vectors(missing))
        return self._partial

    @property
    def _rereadable(self) -> bool:
        """Whether the glosses' vectors can be read back from the encoder's cache."""
        return self.glosses is not None and _cached(self.encoder)

    @cached_property
    def zh(self) -> np.ndarray:
        """(sentences, d) processed Chinese sentence vectors."""
        if self.on_demand:
            return self.zh_rows(range(len(self.zh_raw)))
        kept, self._kept_zh = self._kept_zh, None
        return kept if kept is not None else self._processed_zh()

    @cached_property
    def en(self) -> np.ndarray:
        """(sentences, d) processed English sentence vectors."""
        return self.processing.apply("en", self.en_raw)

    @cached_property
    def en_paragraphs(self) -> np.ndarray:
        """(paragraphs, d) English paragraph vectors."""
        vecs = self.__dict__.get("en")
        return paragraph_vectors(self.en_doc, vecs if vecs is not None else self.processing.apply("en", self.en_raw))

    @cached_property
    def zh_paragraphs(self) -> np.ndarray:
        """(paragraphs, d) Chinese paragraph vectors (``on_demand``: of the
        vectors made so far; no paragraph pass reads them then, only the gaps
        of null paragraph beads, and it makes none)."""
        if self.on_demand:
            return paragraph_vectors(self.zh_doc, self.zh_rows(()))
        vecs = self.__dict__.get("zh")
        if vecs is None and self._rereadable:  # not held: the detector reads them back
            kept, self._kept_zh = self._kept_zh, None
            vecs = kept if kept is not None else self._processed_zh()
        return paragraph_vectors(self.zh_doc, vecs if vecs is not None else self.zh)

    def sentence_pass(self) -> tuple[np.ndarray, np.ndarray]:
        """The (English, Chinese) vectors the sentence-level pass aligns."""
        if self.config.sentence_pass:
            return self.en, self.zh
        return self.en_raw, self.zh_raw

    def texts(self, lang: Lang, texts: Sequence[str]) -> np.ndarray:
        """Processed vectors of other texts of ``lang`` (a sentence's clauses, say),
        made as its sentences' are: Chinese mixed with their gloss view. ``texts``
        are normalised as ``Sentence.norm`` is."""
        if not texts:
            return np.zeros((0, self.en_raw.shape[1]), dtype=np.float32)
        raw = self._encoded(texts)
        gloss_raw = self._encoded(texts, glossed=True) if lang == "zh" and self.config.gloss else None
        return self.processing.apply(lang, raw, gloss_raw, gloss_in_place=True)

    def clauses(self, lang: Lang, units: Sequence[int]) -> np.ndarray:
        """Processed vectors (:meth:`texts`) of the runs of up to three clauses of
        ``lang``'s sentences ``units`` joined, but the whole (:func:`align.text.clause_runs`)."""
        from .text import clause_runs

        sents = self.doc(lang).sentences
        return self.texts(lang, clause_runs(JOINER[lang].join(sents[k].norm for k in units), lang))

    def doc(self, lang: Lang) -> Document:
        return self.en_doc if lang == "en" else self.zh_doc

    def spans(self, lang: Lang, offset: int, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """Processed joined-text vectors of ``(start, length)`` spans of ``lang``,
        ``start`` counted from sentence ``offset``."""
        t = time.perf_counter()
        doc = self.doc(lang)
        sents = doc.sentences
        with self.turns.first():
            raw = encode_joined(self.encoder, [[x.norm for x in sents[offset + s:offset + s + n]] for s, n in spans],
                                JOINER[lang])
        gloss_raw = None
        config = self.config
        if not config.sentence_pass:  # the sentence pass works on raw vectors
            self.seconds += time.perf_counter() - t
            return list(raw)
        if lang == "zh" and config.gloss and config.gloss_spans and spans:
            with self.turns.first():
                gloss_raw = encode(self.encoder, [joined(doc, offset + s, n, gloss=True) for s, n in spans])
        out = self.processing.apply(lang, raw, gloss_raw) if spans else raw
        self.seconds += time.perf_counter() - t
        return list(out)

    def forget_parts(self) -> None:
        """The encoder lets go of the sentences' kept parts (once no span is embedded)."""
        with self.turns.first():
            forget_parts(self.encoder)

    def close(self) -> None:
        """Stop the gloss view's thread, if it still runs (the caller gave up)."""
        if self.glosses is not None:
            self.glosses.close()

    def span_embedder(self, x_lang: Lang, x_off: int, y_off: int):
        """A :data:`align.core.SpanEmbedder` for a part starting at sentences
        ``x_off`` of ``x_lang`` and ``y_off`` of the other language."""
        y_lang: Lang = "en" if x_lang == "zh" else "zh"

        def embed(xs: list[tuple[int, int]], ys: list[tuple[int, int]]):
            if len(xs) + len(ys) >= 1000:  # between a long part's two lattices
                release_free_memory()
            return self.spans(x_lang, x_off, xs), self.spans(y_lang, y_off, ys)
        return embed


def embed_documents(en: Document, zh: Document, encoder, config: VectorConfig = VectorConfig(),
                    progress: Callable[[int, int], None] | None = None, *,
                    background: bool = True, on_demand: Sequence[int] | None = None) -> Embedded:
    """Embed both documents' sentences; their post-processing is fitted when
    first needed (see module doc).

    ``progress(done, total)``, if given, is called before and after each
    encoder call with the number of sentences embedded so far. The Chinese
    glosses (``config.gloss``) are embedded on a thread of their own
    (``background``; :class:`GlossView`), or before returning. With
    ``on_demand`` (sentence indices), only for those, which centre the view,
    and later for the sentences asked for (:meth:`Embedded.zh_rows`): a caller
    that knows that nothing reads them all may choose so (a long text without
    a paragraph pass: :func:`glosses_on_demand`). The sentence pass reading
    processed vectors (``config.sentence_pass``) reads them all, so
    ``on_demand`` does not apply then.
    """
    sample = list(on_demand) if on_demand is not None and config.gloss and not config.sentence_pass else None
    total = len(en.sentences) + len(zh.sentences)
    report = progress or (lambda done, total: None)
    t = time.perf_counter()
    report(0, total)
    turns = TURNS
    zh_norms = [s.norm for s in zh.sentences]
    glosses = None
    gloss_of = zh_norms if sample is None else [zh_norms[k] for k in sample]
    try:
        with turns.first():  # taken before the thread starts: the sentences go first
            if config.gloss and background:
                glosses = GlossView(encoder, gloss_of, turns, background=True)
            forget_parts(encoder)  # a previous pair's
            en_raw = encode(encoder, [s.norm for s in en.sentences], keep_parts=True)
            report(len(en.sentences), total)
            zh_raw = encode(encoder, zh_norms, keep_parts=True)
    except BaseException:  # Ctrl-C, say: the thread must not outlive the call (its turn is free now)
        if glosses is not None:
            glosses.close()
        raise
    if config.gloss and not background:
        glosses = GlossView(encoder, gloss_of, turns, background=False)
    report(total, total)
    embedded = Embedded(en, zh, encoder, config, en_raw, zh_raw, glosses, time.perf_counter() - t, turns, sample)
    release_free_memory()  # the encoder's temporaries
    return embedded
