"""Atomic file output: a reader (or a crash) never sees a half-written file,
and no output ever replaces an input of the run or a special file.

* A regular file is written to a temporary file beside it and renamed onto it
  (a symbolic link is followed: the file it names is replaced, the link kept),
  with the mode of the file it replaces.
* A FIFO, a character device (``/dev/null``, a terminal) or a socket is written
  through, never replaced; ``-`` is standard output.
* The inputs of the run (:func:`protect_inputs`, by device and inode, so a
  hard link or another spelling of the path is caught too) are refused with an
  :class:`~align.errors.InputError` before anything is written.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TypeVar

from .errors import InputError, UsageError

# Mapping is invariant in its keys: a type variable lets write_texts take dict[Path, str] as well as dict[str, str].
_PathT = TypeVar("_PathT", bound="str | os.PathLike")

#: The output path that means standard output.
STDOUT = "-"

# (device, inode) -> the name the user gave, of every file the run reads.
_INPUTS: contextvars.ContextVar[dict[tuple[int, int], str]] = contextvars.ContextVar(
    "align_inputs", default={})  # noqa: B039 - never mutated: replaced as a whole


def file_identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of the file ``path`` names (links followed), None if none."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


@contextlib.contextmanager
def protect_inputs(paths: Iterable[str | os.PathLike | None] = ()) -> Iterator[None]:
    """Refuse, while the block runs, every write onto one of ``paths``.

    The files are recognised by device and inode, so ``./en.txt``, an absolute
    path, a symbolic link or a hard link to an input are all refused. Blocks
    nest: the inputs of an outer block stay protected; on leaving, the inputs
    added inside (also by :func:`refuse_writes_to`) are forgotten.

    Args:
        paths: the input files of the run (None, ``-``, missing files and
            devices are skipped).
    """
    token = _INPUTS.set(dict(_INPUTS.get()))
    try:
        refuse_writes_to(paths)
        yield
    finally:
        _INPUTS.reset(token)


def refuse_writes_to(paths: Iterable[str | os.PathLike | None]) -> None:
    """Protect ``paths`` like :func:`protect_inputs`, for the rest of the current
    context (the CLI's command; :func:`align.cli.main` opens and closes the scope)."""
    protected = dict(_INPUTS.get())
    for path in paths:
        if path is None or os.fspath(path) == STDOUT:
            continue
        identity = file_identity(path)
        if identity is not None and not _special(path):
            protected.setdefault(identity, os.fspath(path))
    _INPUTS.set(protected)


def check_distinct(paths: Iterable[str | os.PathLike | None]) -> None:
    """Refuse two outputs of one run that are the same file (one would be lost).

    FIFOs and devices other than ``-`` may repeat (``/dev/null`` twice loses nothing).

    Raises:
        UsageError: two of ``paths`` name the same file (or both are ``-``).
    """
    seen: dict[object, str] = {}
    for path in paths:
        if path is None:
            continue
        name = os.fspath(path)
        if name != STDOUT and _special(name):
            continue
        key: object = STDOUT if name == STDOUT else (file_identity(name) or os.path.realpath(name))
        if key in seen:
            raise UsageError(f"{seen[key]} and {name} are the same file: one output would "
                             "replace the other; give each output its own path")
        seen[key] = name


def _refuse_input(target: str | os.PathLike) -> None:
    identity = file_identity(target)
    protected = _INPUTS.get()
    if identity is not None and identity in protected:
        name = protected[identity]
        same = "" if os.fspath(target) == name else f" (the same file as the input {name})"
        raise InputError(f"refusing to write {os.fspath(target)}{same}: it is an input of this "
                         "run and would be destroyed; choose another output path")


def _special(path: str | os.PathLike) -> bool:
    """Whether ``path`` is written through: ``-``, a FIFO, a character device or a socket."""
    if os.fspath(path) == STDOUT:
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def _write_through(path: str | os.PathLike, mode: str, encoding: str | None,
                   newline: str | None) -> Iterator[IO]:
    """Write straight to standard output, a FIFO or a device (nothing to rename)."""
    binary = "b" in mode
    if os.fspath(path) == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    try:
        handle = open(path, "wb" if binary else "w", encoding=None if binary else encoding,
                      newline=None if binary else newline)
    except OSError as exc:
        raise InputError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    with handle:
        yield handle


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    On any exception (including KeyboardInterrupt) the temporary file is removed
    and an existing ``path`` is left untouched. A symbolic link is followed (its
    target is replaced, keeping its mode); ``-``, FIFOs and character devices are
    written through (see the module docstring).

    Raises:
        InputError: ``path`` is an input of the run (:func:`protect_inputs`), or
            cannot be written.
    """
    _refuse_input(path)
    if _special(path):
        with _write_through(path, mode, encoding, newline) as handle:
            yield handle
        return
    target = _real(path)
    binary = "b" in mode
    fd, tmp = _temporary(target)
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        _refuse_input(target)  # the check again, just before the rename
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _real(path: str | os.PathLike) -> Path:
    """``path`` with symbolic links resolved, so the link is kept and its target replaced."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def _mode_for(target: Path) -> int:
    """The permission bits of the file ``target`` replaces, else the umask's default."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


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
        InputError: ``path`` is an input of the run, its folder is missing or not
            writable, or ``path`` is a folder.
    """
    _refuse_input(path)
    if _special(path):
        if os.fspath(path) != STDOUT and not os.access(path, os.W_OK):
            raise InputError(f"cannot write {os.fspath(path)}: Permission denied")
        return
    fd, tmp = _temporary(_real(path))
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
    untouched (e.g. the ``.en`` and ``.zh`` halves of a Moses corpus). Every
    target is checked against the run's inputs before the first is opened.

    Raises:
        InputError: a target is an input of the run, or cannot be written.
        UsageError: two targets are the same file.
    """
    check_distinct(files)
    for path in files:
        _refuse_input(path)
    with contextlib.ExitStack() as stack:
        handles = [(stack.enter_context(atomic_open(path, "w", encoding="utf-8", newline="")), text)
                   for path, text in files.items()]
        for handle, text in handles:
            handle.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
