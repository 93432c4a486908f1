"""Atomic file output: a reader (or a crash) never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TypeVar

from .errors import InputError

# Mapping is invariant in its keys: a type variable lets write_texts take dict[Path, str] as well as dict[str, str].
_PathT = TypeVar("_PathT", bound="str | os.PathLike")


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    On any exception (including KeyboardInterrupt) the temporary file is removed
    and an existing ``path`` is left untouched.
    """
    binary = "b" in mode
    fd, tmp = _temporary(Path(path))
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _temporary(target: Path) -> tuple[int, str]:
    """Create the temporary file beside ``target``; InputError if it cannot be."""
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"cannot write {target}: folder {directory} does not exist")
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder")
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None


def ensure_writable(path: str | os.PathLike) -> None:
    """Check, before any long work, that :func:`atomic_open` could write ``path``.

    Creates and removes a temporary file beside it; ``path`` itself is not touched.

    Raises:
        InputError: the folder is missing or not writable, or ``path`` is a folder.
    """
    fd, tmp = _temporary(Path(path))
    os.close(fd)
    os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_texts(files: Mapping[_PathT, str]) -> None:
    """Write several UTF-8 files as one: all or none.

    Every text goes to its temporary file first; the renames come only when all
    are written, so a failure or Ctrl-C before them leaves every existing file
    untouched (e.g. the ``.en`` and ``.zh`` halves of a Moses corpus).
    """
    with contextlib.ExitStack() as stack:
        handles = [(stack.enter_context(atomic_open(path, "w", encoding="utf-8", newline="")), text)
                   for path, text in files.items()]
        for handle, text in handles:
            handle.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
