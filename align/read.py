"""Reading input: the English and Chinese documents of one or two files.

:func:`load_documents` is the entry point: it reads one file holding both
languages, or two files in either order, and returns ``(english, chinese)``
documents built by :func:`align.text.build_document`. Decoding and language
detection are :mod:`align.decoding`'s (named here too); other formats are
:mod:`align.formats`'. The rules are described in docs/pipeline.md.
"""

from __future__ import annotations

import os
from dataclasses import replace

from .decoding import (
    ERROR_SHARE,
    MAX_INPUT_BYTES,
    NAMES,
    WARN_SHARE,
    ZH_SHARE,
    detect_lang,
    language_share_warning,
    letters,
    other_language_lines,
    read_file,
    split_by_script,
)
from .errors import InputError
from .models import Document
from .text import build_document

__all__ = [
    "ERROR_SHARE", "MAX_INPUT_BYTES", "NAMES", "WARN_SHARE", "ZH_SHARE", "detect_lang",
    "documents_from_texts", "language_share_warning", "letters", "load_documents",
    "other_language_lines", "read_documents", "read_file", "split_by_script",
]


def load_documents(
    first: str | os.PathLike[str],
    second: str | os.PathLike[str] | None = None,
    *,
    presplit: bool = False,
    input_format: str | None = None,
) -> tuple[Document, Document]:
    """Read the input files and build the English and Chinese documents.

    Args:
        first: a file holding both languages, or one of the two files.
        second: the other file, in either order.
        presplit: one sentence per line (see :func:`align.text.build_document`).
        input_format: the format of the files (``text``, ``docx``, ``html``,
            ``markdown``, ``pdf``; ``"docx,pdf"`` names one per file); None
            picks each by extension (see :mod:`align.formats`). Other formats
            are read into lines and their paragraphs get a ``location``.

    Returns:
        ``(english document, chinese document)`` whatever the argument order.
        A file of one language holding some lines of the other (at least
        :data:`WARN_SHARE`) gets a warning in its document's ``warnings``.

    Raises:
        InputError: a file cannot be read, both files are in the same language,
            a single file holds only one language, or a file of one language
            holds at least :data:`ERROR_SHARE` of lines in the other.
    """
    docs = read_documents(first, second, presplit=presplit, input_format=input_format)
    if len(docs) == 1:
        lang = docs[0].lang
        other = "zh" if lang == "en" else "en"
        raise InputError(f"{os.fspath(first)} holds only {NAMES[lang]} text; give the {NAMES[other]} "
                         "text too, in the same file or as a second file")
    return docs[0], docs[1]


def read_documents(
    first: str | os.PathLike[str],
    second: str | os.PathLike[str] | None = None,
    *,
    presplit: bool = False,
    input_format: str | None = None,
) -> tuple[Document, ...]:
    """Read one or two files into the documents of the languages they hold.

    Like :func:`load_documents`, but a single file of one language is
    accepted (``align inspect`` shows what the pipeline made of any file).

    Returns:
        ``(english, chinese)``, or one document for a single file of one language.

    Raises:
        InputError: as :func:`load_documents`, except for a one-language file.
    """
    from .formats import input_formats

    formats = input_formats(1 if second is None else 2, input_format)
    if second is None:
        return _one_file(first, formats[0], presplit)
    inputs: dict[str, tuple[str, str, str, str | None]] = {}
    sources = {}
    for path, fmt in zip((first, second), formats, strict=True):
        name = os.fspath(path)
        text, encoding, sources[name] = _read_any(path, fmt)
        try:
            lang = detect_lang(text)
        except InputError:
            raise InputError(f"{name} has no letters; give an English or a Chinese text") from None
        if lang in inputs:
            raise InputError(
                f"both files are {NAMES[lang]} ({inputs[lang][0]}, {name}); give one English "
                "and one Chinese file, or one file holding both"
            )
        inputs[lang] = (name, text, encoding, language_share_warning(name, text, lang))
    docs = []
    for lang in ("en", "zh"):
        name, text, encoding, warning = inputs[lang]
        doc = build_document(text.split("\n"), lang, path=name, encoding=encoding, presplit=presplit)
        doc = sources[name].locate(doc)[0] if sources[name] else doc
        docs.append(replace(doc, warnings=(warning,)) if warning else doc)
    if not presplit and all(sources[inputs[lang][0]] is None and _sentence_lines(inputs[lang][1], doc)
                            for lang, doc in zip(("en", "zh"), docs, strict=True)):
        hint = (f"{inputs['en'][0]} and {inputs['zh'][0]} hold one sentence a line and no blank line, "
                "so each line is aligned as a paragraph; if they are split into sentences, pass "
                "--presplit, which aligns them far better")
        docs[0] = replace(docs[0], warnings=(*docs[0].warnings, hint))
    return docs[0], docs[1]


#: A text of at least this many lines, with no blank line and this share of its
#: paragraphs single sentences, looks like one sentence a line (:func:`_sentence_lines`).
SENTENCE_LINES = (20, 0.9)


def _sentence_lines(text: str, doc: Document) -> bool:
    """Whether ``text`` (read as ``doc``, not presplit) looks like one sentence a line:
    at least :data:`SENTENCE_LINES` lines, none blank between the first and the last,
    nearly all of its paragraphs a single sentence. Aligned as paragraphs, such a
    text loses most of its beads (MAC-Dev chapters: strict F1 0.46-0.86, against
    0.84-0.95 with ``--presplit``)."""
    least, share = SENTENCE_LINES
    lines = text.strip().split("\n")
    if len(lines) < least or any(not line.strip() for line in lines):
        return False
    single = sum(len(p.sentences) == 1 for p in doc.paragraphs)
    return single >= share * len(doc.paragraphs)


def _one_file(first: str | os.PathLike[str], fmt: str | None, presplit: bool) -> tuple[Document, ...]:
    """The documents of a single file: both languages, or the one it holds."""
    name = os.fspath(first)
    text, encoding, source = _read_any(first, fmt)
    by_lang = split_by_script(text)
    present = [lang for lang in ("en", "zh") if any(line.strip() for line in by_lang[lang])]
    if not present:
        raise InputError(f"{name} has no letters; give an English or a Chinese text")
    docs = [build_document(by_lang[lang], lang, path=name, encoding=encoding, presplit=presplit)
            for lang in present]
    if source:
        return tuple(source.locate(*docs))
    return tuple(docs)


def _read_any(path: str | os.PathLike[str], fmt: str | None):
    """``(text, encoding, source)``: a text file's text (source None), or the
    lines of another format's :class:`align.formats.Source`."""
    from .formats import input_format, read_source

    fmt = input_format(path, fmt)
    if fmt == "text":
        text, encoding = read_file(path)
        return text, encoding, None
    source = read_source(path, fmt)
    return source.text, source.encoding, source


def documents_from_texts(
    en_text: str, zh_text: str, *, presplit: bool = False
) -> tuple[Document, Document]:
    """Build the documents from strings, for library use without files.

    Args:
        en_text: the English text (any line ends).
        zh_text: the Chinese text.
        presplit: one sentence per line.

    Returns:
        ``(english document, chinese document)``.

    Raises:
        InputError: a text is empty.
    """
    docs = []
    for text, lang in ((en_text, "en"), (zh_text, "zh")):
        if not text.strip():
            raise InputError(f"the {NAMES[lang]} text is empty; give some text")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        docs.append(build_document(lines, lang, presplit=presplit))
    return docs[0], docs[1]
