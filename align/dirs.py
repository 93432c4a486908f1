"""Where align keeps files of its own: the user cache directory."""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the cache directory (the embedding cache, jieba's).
CACHE_DIR_ENV = "ALIGN_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$ALIGN_CACHE_DIR`` if set, else the platform's user cache dir for align."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("align", appauthor=False))
