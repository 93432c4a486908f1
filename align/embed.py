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

import time
from collections.abc import Callable, Sequence
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


@dataclass
class Embedded:
    """The vectors of one document pair (the embed stage's output).

    Attributes:
        en, zh: (sentences, d) processed sentence vectors. ``en`` is computed from
            ``en_raw`` when first asked for (centring is all it needs), so that
            the sentence pass, which reads the raw vectors, does not also hold
            a second copy of the English ones (a book's 30,000 sentences: 61 MB).
            ``zh`` likewise, from ``zh_vectors`` or, when those were let go
            (``gloss_texts`` given: the encoder has a cache), from ``zh_raw`` and
            the glosses' vectors read back from the cache.
        en_raw, zh_raw: (sentences, d) the encoder's vectors, for the sentence pass
            unless ``VectorConfig.sentence_pass``.
        zh_vectors: the processed Chinese vectors as computed, or None.
        gloss_texts: the Chinese glosses, when their vectors can be read back from the cache.
        en_paragraphs, zh_paragraphs: (paragraphs, d) paragraph vectors.
        processing: the fitted post-processing (applied to span vectors too).
        seconds: time spent in the encoder so far (span embedding adds to it).
    """

    en_doc: Document
    zh_doc: Document
    encoder: object
    processing: Processing
    zh_vectors: np.ndarray | None
    en_raw: np.ndarray
    zh_raw: np.ndarray
    en_paragraphs: np.ndarray = field(init=False)
    zh_paragraphs: np.ndarray = field(init=False)
    seconds: float = 0.0
    gloss_texts: list[str] | None = None

    def __post_init__(self) -> None:
        self.en_paragraphs = paragraph_vectors(self.en_doc, self.processing.apply("en", self.en_raw))
        if self.zh_vectors is None:
            self.zh_vectors = self._processed_zh()
        self.zh_paragraphs = paragraph_vectors(self.zh_doc, self.zh_vectors)
        if self.gloss_texts is not None:  # recomputable from the cache: not held meanwhile
            self.zh_vectors = None

    @cached_property
    def zh(self) -> np.ndarray:
        """(sentences, d) processed Chinese sentence vectors."""
        return self.zh_vectors if self.zh_vectors is not None else self._processed_zh()

    def _processed_zh(self) -> np.ndarray:
        """The processed Chinese vectors again, their gloss view read back from the cache."""
        gloss_raw = encode(self.encoder, self.gloss_texts) if self.gloss_texts is not None else None
        return self.processing.apply("zh", self.zh_raw, gloss_raw, gloss_in_place=True)

    @cached_property
    def en(self) -> np.ndarray:
        """(sentences, d) processed English sentence vectors."""
        return self.processing.apply("en", self.en_raw)

    def sentence_pass(self) -> tuple[np.ndarray, np.ndarray]:
        """The (English, Chinese) vectors the sentence-level pass aligns."""
        if self.processing.config.sentence_pass:
            return self.en, self.zh
        return self.en_raw, self.zh_raw

    def doc(self, lang: Lang) -> Document:
        return self.en_doc if lang == "en" else self.zh_doc

    def spans(self, lang: Lang, offset: int, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """Processed joined-text vectors of ``(start, length)`` spans of ``lang``,
        ``start`` counted from sentence ``offset``."""
        t = time.perf_counter()
        doc = self.doc(lang)
        sents = doc.sentences
        raw = encode_joined(self.encoder, [[x.norm for x in sents[offset + s:offset + s + n]] for s, n in spans],
                            JOINER[lang])
        gloss_raw = None
        config = self.processing.config
        if not config.sentence_pass:  # the sentence pass works on raw vectors
            self.seconds += time.perf_counter() - t
            return list(raw)
        if lang == "zh" and config.gloss and config.gloss_spans and spans:
            gloss_raw = encode(self.encoder, [joined(doc, offset + s, n, gloss=True) for s, n in spans])
        out = self.processing.apply(lang, raw, gloss_raw) if spans else raw
        self.seconds += time.perf_counter() - t
        return list(out)

    def forget_parts(self) -> None:
        """The encoder lets go of the sentences' kept parts (once no span is embedded)."""
        forget_parts(self.encoder)

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
                    progress: Callable[[int, int], None] | None = None) -> Embedded:
    """Embed both documents' sentences and post-process the vectors (see module doc).

    ``progress(done, total)``, if given, is called before and after each
    encoder call with the number of texts embedded so far (sentences, and the
    Chinese glosses when ``config.gloss``).
    """
    from .lexical import gloss

    total = len(en.sentences) + len(zh.sentences) * (2 if config.gloss else 1)
    report = progress or (lambda done, total: None)
    t = time.perf_counter()
    report(0, total)
    forget_parts(encoder)  # a previous pair's
    en_raw = encode(encoder, [s.norm for s in en.sentences], keep_parts=True)
    report(len(en.sentences), total)
    zh_raw = encode(encoder, [s.norm for s in zh.sentences], keep_parts=True)
    report(len(en.sentences) + len(zh.sentences), total)
    gloss_texts = [gloss(s.norm) or s.norm for s in zh.sentences] if config.gloss else None
    gloss_raw = encode(encoder, gloss_texts) if gloss_texts is not None else None
    report(total, total)
    processing = Processing.fit(config, en_raw, zh_raw, gloss_raw)
    zh_vectors = processing.apply("zh", zh_raw, gloss_raw, gloss_in_place=True)
    del gloss_raw  # only the processed Chinese vectors keep the gloss view
    # With a cache, the processed Chinese vectors are not held through the sentence
    # pass (which reads the raw ones): the detector recomputes them, its gloss view
    # read back from the cache (for a book's 42,000 sentences, 86 MB of vectors).
    embedded = Embedded(en, zh, encoder, processing, zh_vectors, en_raw, zh_raw, seconds=time.perf_counter() - t,
                        gloss_texts=gloss_texts if gloss_texts is not None and _cached(encoder) else None)
    release_free_memory()  # the encoder's and the processing's temporaries
    return embedded
