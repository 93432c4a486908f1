"""Any sentence-transformers model, by Hugging Face name or local directory.

Needs the optional extra ``align[transformers]``. Nothing is imported and no
model is loaded until the first call that needs the model. Models load from
disk only (a local directory or the Hugging Face cache), so a missing model
fails at once instead of after minutes of network retries; set
``ALIGN_ALLOW_DOWNLOAD=1`` to let sentence-transformers download it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EncoderError, missing_extra

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ALLOW_DOWNLOAD_ENV = "ALIGN_ALLOW_DOWNLOAD"
_PROGRESS_MIN = 500  # texts from which a progress bar is shown (on a terminal)
#: Texts per batch on a GPU: enough to keep it busy with sentence-length texts
#: (sentence-transformers sorts them by length first), small enough for any card.
GPU_BATCH = 256


class SentenceTransformerEncoder:
    """A sentence-transformers model; vectors are L2-normalised float32.

    Args:
        model: Hugging Face model name (``sentence-transformers/LaBSE``) or the
            path of a model directory.
        device: Torch device; default ``cuda`` when available, else ``cpu``.

    Raises:
        EncoderError: sentence-transformers is not installed.
    """

    def __init__(self, model: str, *, device: str | None = None) -> None:
        if find_spec("sentence_transformers") is None:
            raise missing_extra("sentence-transformers", "transformers")
        self.name = model
        self._path = Path(model).expanduser()
        self._device = device
        self._model: SentenceTransformer | None = None

    @property
    def dim(self) -> int:
        """Vector length, read from the model (loads it)."""
        model = self._load()
        # renamed in sentence-transformers 6; the old name warns there
        get_dim = getattr(model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim else model.get_sentence_embedding_dimension()
        if dim is None:  # only for models without a pooling layer
            raise EncoderError(f"model {self.name!r} does not produce sentence embeddings")
        return dim

    def signature(self) -> str:
        """``st:<model name or absolute path>:<dim>`` (loads the model)."""
        where = str(self._path.resolve()) if self._path.is_dir() else self.name
        return f"st:{where}:{self.dim}"

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        """Embed ``texts``: float32 ``(len(texts), dim)``, unit rows, input order.

        sentence-transformers sorts by length for batching and restores the order.
        ``batch_size`` defaults to :data:`GPU_BATCH` texts on a GPU, 32 on the CPU.
        """
        model = self._load()
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        if batch_size is None:
            batch_size = 32 if self.device == "cpu" else GPU_BATCH
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=len(texts) >= _PROGRESS_MIN and sys.stderr.isatty(),
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def device(self) -> str:
        """The torch device type the model runs on (``cpu``, ``cuda``...; loads it)."""
        return str(self._load().device.type)

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        local = self._path.is_dir()
        if not local and self._looks_like_path():
            raise EncoderError(f"no model directory at {self.name!r}")
        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        download = not local and os.environ.get(ALLOW_DOWNLOAD_ENV) == "1"
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # the per-weight "Loading weights" bar
        try:
            return SentenceTransformer(
                str(self._path) if local else self.name,
                device=device,
                local_files_only=not download,
            )
        # sentence-transformers, transformers, huggingface_hub and torch raise
        # many types (OSError, ValueError, HF errors, RuntimeError for a bad
        # device...): all become one line for the user.
        except Exception as exc:
            if not local and not download and isinstance(exc, OSError):
                raise EncoderError(
                    f"sentence-transformers model {self.name!r} is not on this machine "
                    f"(no such directory, not in the Hugging Face cache) and align does "
                    f"not download models: give a model directory, or download it "
                    f"first (`hf download {self.name}`), or set {ALLOW_DOWNLOAD_ENV}=1"
                ) from exc
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            source = f"directory {self.name!r}" if local else repr(self.name)
            raise EncoderError(f"cannot load sentence-transformers model {source} "
                               f"on device {device!r}: {reason}") from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()

    def _looks_like_path(self) -> bool:
        """Whether the name is meant as a path rather than a Hugging Face model id."""
        return (self._path.is_absolute() or self.name.startswith((".", "~"))
                or self._path.exists())
