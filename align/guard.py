"""The input guard of the library, shared by :func:`align.align_texts`,
:func:`align.align_files` and so by the CLI: bad arguments raise an
:class:`~align.errors.AlignError` subclass before any work, never
``AttributeError``, ``TypeError``, ``UnicodeEncodeError`` or ``MemoryError``.

* Types: texts are ``str``; paths are ``str`` or ``os.PathLike``.
* Size: a text longer than :data:`MAX_TEXT_CHARS` is refused at once, as a file
  over :data:`align.decoding.MAX_INPUT_BYTES` is.
* Surrogates: a valid pair of surrogates (text decoded with ``surrogatepass``)
  becomes its character; a lone one becomes U+FFFD, which UTF-8 can hold.
* Languages: of two texts, one must be English and one Chinese; given in the
  other order they are swapped, as files are (:func:`checked_texts`).
* Documents (:func:`align.api.align_documents`): two
  :class:`~align.models.Document` objects, one English and one Chinese by
  label and by text (:func:`checked_documents`); options of the right types
  (:func:`checked_options`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .decoding import MAX_INPUT_BYTES, NAMES, detect_lang, letters
from .errors import InputError, UsageError

#: Largest text accepted by :func:`checked_texts` (characters): the file limit.
MAX_TEXT_CHARS = MAX_INPUT_BYTES

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Texts:
    """Two checked texts.

    Attributes:
        en: the English text.
        zh: the Chinese text.
        swapped: the caller gave them in the other order.
    """

    en: str
    zh: str
    swapped: bool = False


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def checked_text(value: object, name: str) -> str:
    """``value`` if it is a usable text, with lone surrogates replaced.

    Args:
        value: the argument.
        name: how the message names it (``"en_text"``).

    Raises:
        InputError: not a ``str`` (bytes: decode them first), or longer than
            :data:`MAX_TEXT_CHARS`.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        raise InputError(f"{name} is bytes, not text: decode it first, e.g. data.decode('utf-8'), "
                         "or save it to a file and use align_files")
    if not isinstance(value, str):
        raise InputError(f"{name} must be a str (the text itself), not {_kind(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"{name} has {len(value):,} characters, more than the {MAX_TEXT_CHARS >> 20} Mi "
                         "allowed; split it into smaller documents")
    if _SURROGATE_RE.search(value):
        # surrogate pairs become their character; lone surrogates U+FFFD
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def checked_texts(en_text: object, zh_text: object) -> Texts:
    """Check the two texts of :func:`align.align_texts` and tell which is which.

    Args:
        en_text: the English text (the Chinese one is accepted here too).
        zh_text: the Chinese text.

    Returns:
        The texts, English first, ``swapped`` set when they came the other way.

    Raises:
        InputError: a text is not a ``str``, too long, empty, without letters,
            or both texts are in the same language.
    """
    texts = {"en_text": checked_text(en_text, "en_text"), "zh_text": checked_text(zh_text, "zh_text")}
    langs = {}
    for name, text in texts.items():
        if not text.strip():
            raise InputError(f"{name} is empty; give some text")
        try:
            langs[name] = detect_lang(text)
        except InputError:
            raise InputError(f"{name} has no letters; give an English or a Chinese text") from None
    if langs["en_text"] == langs["zh_text"]:
        lang = NAMES[langs["en_text"]]
        raise InputError(f"both texts are {lang}: give the English text as en_text and the Chinese "
                         "text as zh_text")
    swapped = langs["en_text"] == "zh"
    en, zh = texts["en_text"], texts["zh_text"]
    return Texts(zh, en, True) if swapped else Texts(en, zh)


def checked_path(value: object, name: str) -> str | os.PathLike[str]:
    """``value`` if it can name a file.

    Raises:
        InputError: not a ``str`` or ``os.PathLike`` (e.g. None, a number, a list,
            the text itself as bytes), or an empty string.
    """
    if isinstance(value, bytes | bytearray):
        raise InputError(f"{name} is bytes: give the path as a str or pathlib.Path (to align texts, "
                         "use align_texts)")
    if not isinstance(value, str | os.PathLike):
        raise InputError(f"{name} must be a path (str or pathlib.Path), not {_kind(value)}")
    if not os.fspath(value):
        raise InputError(f"{name} is an empty path; give a file")
    return value


def checked_flag(value: object, name: str) -> bool:
    """``value`` if it is a bool.

    Raises:
        UsageError: anything else (``"yes"``, 1.0, None...).
    """
    if not isinstance(value, bool | int) or isinstance(value, float):
        raise UsageError(f"{name} must be True or False, not {value!r}")
    return bool(value)


class FiniteEncoder:
    """An encoder whose vectors are checked: NaN or infinity raise
    :class:`~align.errors.EncoderError` (exit status 2 in the CLI) instead of
    reaching the aligner, where they would make every cosine NaN.

    Every other attribute is the wrapped encoder's (``name``, ``dim``,
    ``signature``, a cache's ``stats``...).

    Args:
        inner: the encoder to check.
    """

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def encode(self, texts, *, batch_size: int = 32, **options):
        """The wrapped encoder's vectors, checked (see the class docstring);
        ``options`` (``keep_parts``) are the wrapped encoder's."""
        return self._checked(self.inner.encode(texts, batch_size=batch_size, **options))  # type: ignore[attr-defined]

    def encode_joined(self, parts, joiner: str, *, batch_size: int = 32):
        """The wrapped encoder's vectors of joined texts, checked."""
        return self._checked(self.inner.encode_joined(parts, joiner, batch_size=batch_size))  # type: ignore[attr-defined]

    def _checked(self, vectors):
        import numpy as np

        from .cache import check_finite

        vectors = np.asarray(vectors, dtype=np.float32)
        check_finite(vectors, str(getattr(self.inner, "name", "?")))
        return vectors


def checked_encoder(encoder: object = None) -> FiniteEncoder:
    """``encoder`` (None: the default; a name: :func:`align.encoders.get_encoder`)
    with its vectors checked (:class:`FiniteEncoder`).

    Raises:
        UsageError: ``encoder`` has no ``encode`` method.
    """
    if encoder is None:
        from .encoders import get_encoder

        encoder = get_encoder()
    if isinstance(encoder, FiniteEncoder):
        return encoder
    if isinstance(encoder, str):  # a name (str has an encode method of its own)
        from .encoders import get_encoder

        encoder = get_encoder(encoder)
    if not callable(getattr(encoder, "encode", None)):
        raise UsageError(f"encoder must be a sentence encoder (see align.encoders.get_encoder), "
                         f"not {_kind(encoder)}")
    return FiniteEncoder(encoder)


#: Characters of a document's text read to confirm its language.
_SAMPLE_CHARS = 20_000
#: A "Chinese" document with a smaller share of Han among its letters is refused ...
MIN_ZH_SHARE = 0.05
#: ... and so is an "English" one with a larger share.
MAX_EN_HAN_SHARE = 0.7


def _sample(doc: object) -> str:
    out, size = [], 0
    for sentence in doc.sentences:  # type: ignore[attr-defined]
        out.append(sentence.text)
        size += len(sentence.text)
        if size >= _SAMPLE_CHARS:
            break
    return " ".join(out)


def checked_documents(en: object, zh: object) -> tuple:
    """The two documents of :func:`align.api.align_documents`, English first.

    Given in the other order (by their ``lang``) they are swapped, as texts and
    files are.

    Raises:
        InputError: not a :class:`~align.models.Document`; both labelled one
            language; empty; or text in the other language than its label says
            (a Chinese file built as English, say).
    """
    from .models import Document

    for name, doc in (("en", en), ("zh", zh)):
        if not isinstance(doc, Document):
            raise InputError(f"{name} must be a Document (see align.read.load_documents or "
                             f"align.text.build_document), not {_kind(doc)}")
    assert isinstance(en, Document) and isinstance(zh, Document)
    if en.lang == zh.lang:
        raise InputError(f"both documents are {NAMES.get(en.lang, en.lang)}: give one English "
                         "and one Chinese document")
    if en.lang == "zh":
        en, zh = zh, en
    shares = {}
    for doc in (en, zh):
        if not doc.sentences:
            raise InputError(f"the {NAMES[doc.lang]} text is empty: nothing to align")
        han, latin = letters(_sample(doc))
        if not han + latin:
            raise InputError(f"the {NAMES[doc.lang]} document has no letters: nothing to align")
        shares[doc.lang] = han / (han + latin)
    # Lenient on purpose: technical Chinese holds much Latin script, English
    # may quote Chinese. Only text plainly in the other language is refused.
    if shares["en"] > MAX_EN_HAN_SHARE:
        raise InputError("the document labelled English is Chinese text: build it with lang='zh'")
    if shares["zh"] < MIN_ZH_SHARE or shares["zh"] <= shares["en"]:
        raise InputError("the document labelled Chinese has "
                         + ("almost no Chinese text" if shares["zh"] < MIN_ZH_SHARE
                            else "less Chinese text than the English one")
                         + ": both may be English, or the labels swapped")
    return en, zh


def checked_options(**options: object) -> None:
    """The optional arguments of :func:`align.api.align_documents`, by type.

    Raises:
        UsageError: a config that is not the config class (or None), a
            ``progress`` that cannot be called, ``paragraphs`` not a bool.
    """
    from .core import AlignConfig
    from .embed import VectorConfig

    kinds = {"sentence_config": AlignConfig, "paragraph_config": AlignConfig, "vector_config": VectorConfig}
    for name, kind in kinds.items():
        value = options.get(name)
        if value is not None and not isinstance(value, kind):
            raise UsageError(f"{name} must be an align.{kind.__module__.rsplit('.', 1)[-1]}."
                             f"{kind.__name__} or None, not {_kind(value)}")
    progress = options.get("progress")
    if progress is not None and not callable(progress):
        raise UsageError(f"progress must be a function progress(stage, done, total), not {_kind(progress)}")
    if "paragraphs" in options:
        checked_flag(options["paragraphs"], "paragraphs")
