"""Progress of long work on the command line: a bar on a terminal, plain lines elsewhere.

``cityreg validate``, ``check``, ``load`` and ``import`` count their work (SHACL queries, source
files, tables) through a ``(done, total)`` callback, the same that
:func:`registry.validate.validate_registry` and :meth:`registry.store.Registry.load` take::

    with progress_reporter("cityreg validate", "queries") as report:
        validate_registry(registry, progress=report)

Progress only ever goes to standard error, so standard output stays exactly what each command
prints without it (a report, a summary), whether it is read by a person or a pipe:

* on a terminal, a :mod:`rich` bar (description, bar, done/total, elapsed time, time left),
  left on screen when the work is done;
* elsewhere (a CI log, a file), :class:`PlainLines`: ``cityreg validate: 40/211 queries
  (19 %)``, at most one line per tenth of the work (and one per :data:`EVERY_SECONDS` while
  it advances more slowly), always with the last one; work done within :data:`DELAY_SECONDS`
  of its first count writes nothing, so quick commands and scripts keep a clean stderr.

``CITYREG_PROGRESS=0`` (or ``off``, ``no``, ``false``) silences both.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

Report = Callable[[int, int], None]
"""``report(done, total)``: how much of the work is done; ``total`` may change between calls."""

#: The environment variable that silences progress when it is ``0``, ``off``, ``no`` or ``false``.
ENVIRONMENT = "CITYREG_PROGRESS"
#: Plain lines are written only for work still running this many seconds after its first count.
DELAY_SECONDS = 5.0
#: Between two tenths of the work, a plain line at most this often (while the count moves).
EVERY_SECONDS = 30.0

_T = TypeVar("_T")
_OFF = frozenset({"0", "off", "no", "false"})
_on_screen: list[Progress] = []
"""The bars being drawn, innermost last, for :func:`nested` to add its rows to."""


def enabled() -> bool:
    """Whether progress is shown at all (not silenced with ``CITYREG_PROGRESS=0``)."""
    return os.environ.get(ENVIRONMENT, "").strip().lower() not in _OFF


@contextmanager
def progress_reporter(what: str, unit: str, *, stream: TextIO | None = None
                      ) -> Iterator[Report]:
    """A ``(done, total)`` callback that shows the progress of ``what`` on ``stream``.

    ``what`` names the work (``"cityreg validate"``), ``unit`` what is counted (``"queries"``).
    ``stream`` is standard error unless given: a terminal gets a bar, drawn until the block
    ends; anything else gets :class:`PlainLines`. Silenced, the callback does nothing.
    """
    out = sys.stderr if stream is None else stream
    if not enabled():
        yield _ignore
    elif _is_terminal(out):
        from rich.console import Console

        with bar(what, unit, Console(file=out, force_terminal=True)) as report:
            yield report
    else:
        yield PlainLines(what, unit, out)


@contextmanager
def bar(what: str, unit: str, console: Console) -> Iterator[Report]:
    """A rich progress bar on ``console`` while the block runs; the callback moves it.

    Until the first call the bar has no total (it pulses). The bar is left on screen, full
    when the work was done. Nothing else is redirected: standard output stays untouched.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, redirect_stdout=False, redirect_stderr=False)
    with progress:
        task = progress.add_task(what, total=None, unit=unit)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        _on_screen.append(progress)
        try:
            yield report
        finally:
            _on_screen.remove(progress)


def bar_on_screen() -> bool:
    """Whether a :func:`bar` is being drawn (so another bar must not be drawn beside it)."""
    return bool(_on_screen)


def nested(items: Sequence[_T], label: str, unit: str = "rows") -> Iterator[_T]:
    """Iterate ``items``, shown as a second line under the bar on screen, removed when done.

    For a long inner loop (the rows of one spreadsheet) inside counted work; without a bar on
    screen, just the items.
    """
    if not _on_screen:
        yield from items
        return
    progress = _on_screen[-1]
    task = progress.add_task(label, total=len(items), unit=unit)
    try:
        for item in items:
            yield item
            progress.advance(task)
    finally:
        progress.remove_task(task)


class PlainLines:
    """A ``(done, total)`` callback writing ``what: done/total unit (percent %)`` lines.

    For a stream that is not a terminal, where a bar would be noise: nothing until ``delay``
    seconds (:data:`DELAY_SECONDS`) after the first call, then a line when the work reaches a
    new tenth, or when ``every`` seconds (:data:`EVERY_SECONDS`) passed since the last line and
    the count moved, and always when it is done. The same count is never written twice in a
    row. ``clock`` is for tests.
    """

    def __init__(self, what: str, unit: str, stream: TextIO, *, delay: float | None = None,
                 every: float | None = None, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.what = what
        self.unit = unit
        self._stream = stream
        self._delay = DELAY_SECONDS if delay is None else delay
        self._every = EVERY_SECONDS if every is None else every
        self._clock = clock
        self._began: float | None = None
        self._written_at = 0.0
        self._tenth = -1
        self._last: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if self._began is None:
            self._began = self._written_at = now
        if now - self._began < self._delay or (done, total) == self._last:
            return
        finished = done >= total
        tenth = 10 if finished else done * 10 // total
        if tenth <= self._tenth and now - self._written_at < self._every:
            return
        self._stream.write(f"{self.what}: {done}/{total} {self.unit} "
                           f"({percent(done, total)} %)\n")
        self._stream.flush()
        self._tenth, self._last, self._written_at = tenth, (done, total), now


def percent(done: int, total: int) -> int:
    """``done`` of ``total`` in whole percent, rounded, but 100 only when all is done."""
    if done >= total:
        return 100
    return min(99, (200 * done + total) // (2 * total))


def _is_terminal(stream: TextIO) -> bool:
    """A terminal that can draw a bar: a TTY, and not one that declares itself dumb."""
    try:
        tty = stream.isatty()
    except ValueError:  # closed
        return False
    return tty and os.environ.get("TERM") != "dumb"


def _ignore(_done: int, _total: int) -> None:
    """The callback of silenced progress."""
