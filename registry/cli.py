"""The ``cityreg`` command line: one click group that discovers its commands.

Commands live in modules under :mod:`registry.commands`. Every module there whose name does not
start with ``_`` and that exposes ``COMMANDS: list[click.Command]`` is added to the group, in
module-name order, so a new command never needs an edit here.

Errors are handled once, in :class:`CityregGroup`, for every command:

* a :class:`~registry.errors.CityregError` prints ``Error: <message>`` on stderr, exit code 2;
* Ctrl-C prints ``Interrupted.``, exit code 130;
* anything else is a bug: one line on stderr, exit code 2, and the traceback only with
  ``CITYREG_DEBUG=1``.

Click's own usage errors also exit with 2. Commands that judge data (``validate``, ``check``)
use exit code 1 for "does not conform", as pySHACL does.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from typing import Any

import click

from registry import __version__, commands
from registry.errors import CityregError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's flush at exit does not fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class CityregGroup(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CityregError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`cityreg query ... | head`): stop quietly, as Unix tools do.
            _silence_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            if os.environ.get("CITYREG_DEBUG") == "1":
                raise
            first_line = (str(error).splitlines() or [""])[0]
            click.echo(
                f"Error: unexpected {type(error).__name__}: {first_line} (this is a bug in "
                "cityreg; run with CITYREG_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


def discover_commands() -> list[click.Command]:
    """Every command exposed by a public module of :mod:`registry.commands`, in module order."""
    found: list[click.Command] = []
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        exposed = getattr(module, "COMMANDS", None)
        if exposed is None:
            continue
        if not isinstance(exposed, list) or not all(
            isinstance(command, click.Command) for command in exposed
        ):
            raise TypeError(
                f"{module.__name__}.COMMANDS must be a list of click.Command, got {exposed!r}"
            )
        found.extend(exposed)
    return found


@click.group(cls=CityregGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cityreg")
def main() -> None:
    """cityreg: an inspectable registry of a city's smart-city machinery.

    Sensors, datasets, agencies, vendors, contracts and data-sharing agreements are kept as an
    RDF knowledge graph. Start with `cityreg load FOLDER --store DIR`, then ask questions with
    `cityreg query --store DIR "SELECT ..."`.

    Exit codes: 0 success; 2 error (bad input, malformed file, bad query); commands that
    check data against the law exit with 1 when it does not conform.
    """


def _register(group: click.Group, found: list[click.Command]) -> None:
    for command in found:
        if command.name in group.commands:
            raise RuntimeError(
                f"two modules in registry/commands define the command {command.name!r}: "
                "rename one of them"
            )
        group.add_command(command)


_register(main, discover_commands())


if __name__ == "__main__":  # `python -m registry.cli`, as well as `python -m registry`
    main()
