"""Options and helpers shared by the commands: where the registry is, and plain-text tables."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

import click

from registry.errors import InputError
from registry.remote.location import RemoteLocation, parse_location
from registry.store import Registry

F = TypeVar("F", bound=Callable[..., Any])
Store = Path | RemoteLocation
"""Where ``--store`` says the registry is: a folder, or a SPARQL engine's URL."""


class StoreParam(click.ParamType[Store, Any]):
    """``--store``: a folder, or an engine's URL (``oxigraph+http://HOST:PORT``, see
    :mod:`registry.remote.location`)."""

    name = "store"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Store:
        if isinstance(value, Path | RemoteLocation):
            return value
        text = str(value)
        scheme, separator, _ = text.partition("://")
        if separator and "+" in scheme:  # an engine's URL, or a mistyped one: say which
            try:
                return parse_location(text)
            except InputError as error:
                self.fail(str(error), param, ctx)
        path = Path(text)
        if path.exists() and not path.is_dir():
            self.fail(f"{text} is a file: expected a folder (created if missing) or an "
                      "engine's URL such as oxigraph+http://127.0.0.1:7878", param, ctx)
        return path


STORE = StoreParam()


def store_option(creates: bool = False) -> Callable[[F], F]:
    """``--store DIR|URL``: the on-disk registry or a SPARQL engine that holds it; without
    it, one in memory for this command.

    ``creates``: the command makes the store when the folder is missing (``load``); read-only
    commands refuse a missing store instead (see :func:`registry_for_reading`).
    """
    how = "created if missing" if creates else "made by `cityreg load --store DIR`"
    return click.option(
        "--store",
        type=STORE,
        metavar="DIR|URL",
        help=f"Folder of an on-disk registry ({how}), or a SPARQL engine that holds it: "
        "oxigraph+http://HOST:PORT, virtuoso+http://HOST:PORT (credentials in "
        "CITYREG_SPARQL_USER and CITYREG_SPARQL_PASSWORD). Without it, the registry lives in "
        "memory for this one command.",
    )


def paths_argument(function: F) -> F:
    """``[PATH]...``: RDF files or folders to load into an in-memory registry first."""
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path),
                          metavar="[PATH]...")(function)


@contextmanager
def binary_stdout() -> Iterator[BinaryIO]:
    """Standard output as a byte stream, for the RDF and SPARQL-results writers.

    ``click.open_file("-", "wb")`` is Click's public way to reach it (``get_binary_stream``
    is deprecated since Click 8.5): it finds the bytes under ``sys.stdout``, ``CliRunner``'s
    included, and leaves standard output open when the block ends.
    """
    with click.open_file("-", "wb") as stream:
        yield cast(BinaryIO, stream)
        stream.flush()


def open_registry(store: Store | None) -> Registry:
    """The registry at ``store`` (a folder or an engine), or a fresh in-memory one when
    ``store`` is None."""
    if store is None:
        return Registry.memory()
    if isinstance(store, RemoteLocation):
        return Registry.connect(store)
    return Registry.open(store)


def registry_for_reading(store: Store | None, paths: Sequence[Path]) -> Registry:
    """For read-only commands: the ``--store`` registry, or ``PATH``s loaded into memory.

    Exactly one of the two must be given: reading an empty in-memory registry is never what
    the user meant, and loading files into a store is ``cityreg load``'s job.
    """
    if store is not None and paths:
        raise click.UsageError(
            "give either --store DIR or PATHs to load, not both (use `cityreg load PATH "
            "--store DIR` to add files to a store)"
        )
    if store is None and not paths:
        raise click.UsageError(
            "nothing to read: give PATHs of RDF files or folders, or --store DIR"
        )
    if isinstance(store, RemoteLocation):
        return Registry.connect(store)
    if store is not None:
        if not store.is_dir():
            raise click.UsageError(
                f"no registry at {store}: create one with `cityreg load PATH --store {store}`"
            )
        return Registry.open(store)
    registry = Registry.memory()
    try:
        registry.load(*paths)
    except BaseException:
        registry.close()
        raise
    return registry


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right_aligned: frozenset[int] = frozenset()) -> str:
    """An aligned plain-text table: header, dashes, rows; no trailing spaces."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if index in right_aligned else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]),
                      *(line(row) for row in rows)])


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@contextmanager
def time_limit(seconds: float, what: str, fix: str) -> Iterator[None]:
    """Stop the whole command with exit status 2 if the block runs longer than ``seconds``
    (0: no limit).

    pyoxigraph cannot interrupt a query and a thread cannot be stopped from outside, so the
    process ends itself: the only cancellation that frees the CPU at once. Only for blocks that
    write nothing to a store (a query): the store's lock goes with the process, and what was
    committed before stays committed.
    """
    if seconds <= 0:
        yield
        return

    def stop() -> None:
        sys.stdout.flush()
        sys.stderr.write(f"Error: {what} ran longer than {seconds:g} s and was stopped; "
                         f"{fix}\n")
        sys.stderr.flush()
        os._exit(2)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
