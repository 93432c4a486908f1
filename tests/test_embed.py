"""The embed stage (align.embed): vector post-processing per document pair."""

from __future__ import annotations

import numpy as np

from align.embed import RAW, Processing, VectorConfig, embed_documents
from align.lexical import first_sense, gloss
from align.read import documents_from_texts
from tests.conftest import SEED_MIXED


def _seed_docs():
    lines = SEED_MIXED.read_text(encoding="utf-8").split("\n")
    en = "\n\n".join(lines[k - 1] for k in range(6, 20) if lines[k - 1].strip())
    zh = "\n\n".join(lines[k - 1] for k in range(41, 56) if lines[k - 1].strip() and k not in {48, 54})
    return documents_from_texts(en, zh)


def test_gloss_reads_chinese_as_english_first_senses():
    assert first_sense("的") == "of"  # "of; ~'s (possessive particle)": the first wording only
    assert first_sense("了") == "to finish"  # "(completed action marker)" and the like are skipped
    assert first_sense("王") == "king or monarch"  # the surname sense is skipped
    reading = gloss("哈萨克斯坦将跨里海运输增加十倍，达到2000万吨。")
    assert "Kazakhstan" in reading and "Caspian Sea" in reading and "2000" in reading
    assert "，" not in reading and "。" not in reading


def test_processing_is_deterministic_and_per_document(encoder):
    en, zh = _seed_docs()
    a, b = embed_documents(en, zh, encoder), embed_documents(en, zh, encoder)
    np.testing.assert_array_equal(a.en, b.en)
    np.testing.assert_array_equal(a.zh, b.zh)
    # Each language is centred on its own document's mean.
    assert np.linalg.norm(a.processing.en.mean - a.en_raw.mean(axis=0)) < 1e-5
    assert np.linalg.norm(a.processing.zh.mean - a.zh_raw.mean(axis=0)) < 1e-5
    # Another document pair gets another transform.
    other_en, other_zh = documents_from_texts(*(t.split("\n\n")[0] + "\n\nNothing else." for t in
                                                ("\n\n".join(s.text for s in en.sentences[:4]),
                                                 "\n\n".join(s.text for s in zh.sentences[:4]))))
    c = embed_documents(other_en, other_zh, encoder)
    assert not np.allclose(c.processing.en.mean, a.processing.en.mean)
    # Unit vectors, and centring lowers the cosine of unrelated sentences on average.
    assert np.allclose(np.linalg.norm(a.en, axis=1), 1.0, atol=1e-5)
    raw = (a.en_raw @ a.zh_raw.T).mean()
    assert (a.en @ a.zh.T).mean() < raw


def test_processing_is_applied_once_on_cached_vectors(tmp_path, monkeypatch):
    from align.encoders import get_encoder

    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "cache"))
    en, zh = _seed_docs()
    cold = embed_documents(en, zh, get_encoder())
    warm = embed_documents(en, zh, get_encoder())  # every vector from the cache now
    np.testing.assert_allclose(warm.en, cold.en, atol=1e-6)
    np.testing.assert_allclose(warm.zh, cold.zh, atol=1e-6)
    # The cache holds the encoder's raw output, not processed vectors.
    np.testing.assert_allclose(warm.en_raw, cold.en_raw, atol=1e-6)
    again = Processing.fit(warm.processing.config, warm.en_raw, warm.zh_raw).apply("en", warm.en_raw)
    np.testing.assert_allclose(again, warm.en, atol=1e-5)


def test_signature_records_the_processing(encoder):
    from align.api import align_documents

    en, zh = _seed_docs()
    default = align_documents(en, zh, encoder=encoder, checks=[])
    raw = align_documents(en, zh, encoder=encoder, checks=[], vector_config=RAW)
    assert VectorConfig().signature() in default.signature
    assert RAW.signature() in raw.signature and raw.signature != default.signature
    assert VectorConfig(gloss=0.7).signature() != VectorConfig().signature()


def test_chinese_vectors_read_back_from_the_cache_are_the_computed_ones(tmp_path, monkeypatch):
    """With a cache the processed Chinese vectors are let go after the paragraph
    vectors (the sentence pass reads the raw ones) and recomputed, their gloss view
    read back from the cache: exactly the vectors computed without a cache."""
    from align.encoders import get_encoder

    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "cache"))
    en, zh = _seed_docs()
    cached = embed_documents(en, zh, get_encoder())
    plain = embed_documents(en, zh, get_encoder(cache=False))
    np.testing.assert_array_equal(cached.zh_paragraphs, plain.zh_paragraphs)
    assert "zh" not in cached.__dict__  # not held through the sentence pass
    assert "zh" in plain.__dict__  # nothing to read back: kept
    np.testing.assert_array_equal(cached.zh, plain.zh)
    np.testing.assert_array_equal(cached.en, plain.en)
    assert cached.zh is cached.zh  # computed once


def test_gloss_view_made_on_its_thread_equals_the_one_made_before_returning(encoder):
    """The glosses are embedded on a thread of their own while the caller aligns;
    the vectors are those made in line, and so is the alignment."""
    from align.api import align_documents

    en, zh = _seed_docs()
    threaded = embed_documents(en, zh, encoder)
    inline = embed_documents(en, zh, encoder, background=False)
    assert threaded.glosses is not None and inline.glosses is not None
    assert threaded.glosses.texts == inline.glosses.texts and len(inline.glosses.texts) == len(zh.sentences)
    np.testing.assert_array_equal(threaded.zh, inline.zh)
    np.testing.assert_array_equal(threaded.zh_paragraphs, inline.zh_paragraphs)
    np.testing.assert_array_equal(threaded.en_paragraphs, inline.en_paragraphs)
    a = align_documents(en, zh, encoder=encoder, checks=[])
    b = align_documents(en, zh, encoder=encoder, checks=[])
    assert [(x.en, x.zh, x.score) for x in a.sentence_beads] == [(x.en, x.zh, x.score) for x in b.sentence_beads]
    assert [(g.only_in, g.level, g.sentences, g.confidence) for g in a.gaps] == \
        [(g.only_in, g.level, g.sentences, g.confidence) for g in b.gaps]


class _FailingOnGlosses:
    """The real encoder, except that it fails after the sentences (on the glosses)."""

    def __init__(self, inner):
        self.inner = inner
        self.dim = inner.dim
        self.calls: list[int] = []

    def encode(self, texts, **kwargs):
        self.calls.append(len(texts))
        if len(self.calls) > 2:  # the English sentences, the Chinese ones, then the glosses
            raise RuntimeError("encoder failed on the glosses")
        return self.inner.encode(texts, **kwargs)


def test_an_error_in_the_gloss_thread_reaches_the_caller(encoder):
    import pytest

    en, zh = _seed_docs()
    emb = embed_documents(en, zh, _FailingOnGlosses(encoder))
    np.testing.assert_array_equal(emb.en_raw, embed_documents(en, zh, encoder).en_raw)  # the sentences are fine
    with pytest.raises(RuntimeError, match="glosses"):
        emb.zh_paragraphs  # noqa: B018  (the first use of the gloss view)


def test_encoder_turns_give_the_caller_the_next_turn():
    """While the thread's call runs, a waiting caller goes next, before the thread's next chunk."""
    import threading
    import time

    from align.embed import EncoderTurns

    turns = EncoderTurns()
    order: list[str] = []
    started = threading.Event()

    def thread() -> None:
        for k in range(3):
            with turns.after():
                order.append(f"thread {k}")
                started.set()
                time.sleep(0.05)

    worker = threading.Thread(target=thread)
    worker.start()
    started.wait()
    with turns.first():
        order.append("caller")
    worker.join()
    assert order == ["thread 0", "caller", "thread 1", "thread 2"]


def test_closing_stops_the_gloss_thread(encoder):
    en, zh = _seed_docs()
    emb = embed_documents(en, zh, encoder)
    emb.close()
    assert emb.glosses is not None and emb.glosses._thread is None


class _Counting:
    """The real encoder, counting the texts of each call."""

    def __init__(self, inner):
        self.inner, self.dim, self.calls = inner, inner.dim, []

    def encode(self, texts, **kwargs):
        self.calls.append(list(texts))
        return self.inner.encode(texts, **kwargs)

    def signature(self) -> str:
        return self.inner.signature()


def test_gloss_view_on_demand_is_made_for_the_rows_asked_for_only(encoder):
    """A long text without a paragraph pass gets its gloss view for a sample
    given in advance, which centres it, then where the detector reads it: with
    the whole text as the sample, the vectors of the whole view; else the rows
    asked for get it, each once, and the others are centred only."""
    en, zh = _seed_docs()
    n = len(zh.sentences)
    full = embed_documents(en, zh, encoder)
    whole = embed_documents(en, zh, encoder, on_demand=range(n))
    assert whole.on_demand
    np.testing.assert_allclose(whole.zh_rows([1, 4, 7]), full.zh, atol=1e-6)
    counting = _Counting(encoder)
    sample = [0, 5, n - 1]
    lazy = embed_documents(en, zh, counting, on_demand=sample, background=False)
    readings = [gloss(s.norm) or s.norm for s in zh.sentences]
    assert len(counting.calls) == 3 and counting.calls[2] == [readings[k] for k in sample]
    rows = lazy.zh_rows([1, 4, 5])
    assert counting.calls[3] == [readings[1], readings[4]]
    lazy.zh_rows([4, 1])
    assert len(counting.calls) == 4  # nothing made twice
    centred = lazy.processing.apply("zh", lazy.zh_raw)
    others = [k for k in range(n) if k not in {1, 4, *sample}]
    np.testing.assert_allclose(rows[others], centred[others], atol=1e-6)
    assert not np.allclose(rows[[1, 4]], centred[[1, 4]], atol=1e-3)
    # The view is centred on the sample's mean.
    assert np.allclose(lazy.processing.gloss.mean, encoder.encode([readings[k] for k in sample]).mean(axis=0),
                       atol=1e-5)
    # The sentence pass reading processed vectors needs them all: no on-demand then.
    assert not embed_documents(en, zh, encoder, VectorConfig(sentence_pass=True), on_demand=sample).on_demand


def test_only_long_texts_without_a_paragraph_pass_get_the_gloss_view_on_demand(monkeypatch):
    import align.embed as embed

    _, zh = _seed_docs()
    assert not embed.glosses_on_demand(zh, paragraph_pass=False)  # short
    monkeypatch.setattr(embed, "ON_DEMAND_FROM", len(zh.sentences) - 1)
    assert embed.glosses_on_demand(zh, paragraph_pass=False)
    assert not embed.glosses_on_demand(zh, paragraph_pass=True)  # the paragraph pass reads every vector


def test_a_long_text_aligned_with_the_gloss_view_on_demand(encoder, mac_dev, monkeypatch):
    """A MAC-Dev chapter aligned sentence by sentence, as a long text is: the
    beads do not read the gloss view, so they are the same; the gaps are the same
    units, with confidences from a model fitted on a sample (and a view
    centred on a sample's mean) close to the whole one's."""
    import align.embed as embed
    import align.gaps as gaps
    from align.api import align_texts

    zh = (mac_dev / "src" / "002").read_text(encoding="utf-8")
    en = (mac_dev / "tgt" / "002").read_text(encoding="utf-8")
    whole = align_texts(en, zh, presplit=True, encoder=encoder, checks=[])
    monkeypatch.setattr(embed, "ON_DEMAND_FROM", 50)
    monkeypatch.setattr(gaps, "MODEL_BLOCKS", 4)
    monkeypatch.setattr(gaps, "MODEL_BLOCK", 40)
    counting = _Counting(encoder)
    lazy = align_texts(en, zh, presplit=True, encoder=counting, checks=[])
    readings = {gloss(s.norm) or s.norm for s in lazy.zh.sentences}
    glosses = sum(t in readings for c in counting.calls[2:] for t in c)
    assert [(b.en, b.zh, b.score) for b in lazy.sentence_beads] == \
        [(b.en, b.zh, b.score) for b in whole.sentence_beads]
    assert [(g.only_in, g.sentences) for g in lazy.gaps] == [(g.only_in, g.sentences) for g in whole.gaps]
    assert lazy.gaps and all(abs(a.confidence - b.confidence) < 0.05 for a, b in zip(lazy.gaps, whole.gaps, strict=True))
    assert 0 < glosses < len(lazy.zh.sentences)
