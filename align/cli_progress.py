"""The progress bar of single-pair commands (``check``, ``pair``), on stderr.

The library reports its stages through a callback
(``align_documents(..., progress=...)``: ``embedding``, ``aligning``,
``checking``); this module renders them with rich. The bar appears only when
stderr is a terminal and ``-q`` was not given, and only once the run has taken
:data:`DELAY_S` seconds, so short runs print nothing extra; it is cleared when
the run ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds before the bar appears (``$ALIGN_PROGRESS_DELAY`` overrides it; the tests set 0).
DELAY_S = 2.0

_UNITS = {"embedding": "sentences", "aligning": "sentences", "checking": "steps"}

Callback = Callable[[str, int, int], None]


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("ALIGN_PROGRESS_DELAY", DELAY_S)))
    except ValueError:
        return DELAY_S


@contextmanager
def stage_progress(quiet: bool) -> Iterator[Callback | None]:
    """A ``progress(stage, done, total)`` callback drawing a bar on stderr, or
    None when stderr is not a terminal or ``quiet``."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False)
    if quiet or not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), console=err, transient=True)
    task = bar.add_task("starting", total=None, unit="")
    lock = threading.Lock()
    started = False

    def start() -> None:
        nonlocal started
        with lock:
            if not started:
                bar.start()
                started = True

    def update(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=total, unit=_UNITS.get(stage, ""))

    timer = threading.Timer(_delay(), start)
    timer.daemon = True
    timer.start()
    try:
        yield update
    finally:
        timer.cancel()
        with lock:
            if started:
                bar.stop()
            started = True  # a late timer must not start it now
