"""The commands of ``cityreg``, one module per family of commands.

To add a command, create ``registry/commands/<family>.py`` that defines click commands and
lists them in ``COMMANDS: list[click.Command]``; :mod:`registry.cli` picks the module up by
itself. Modules whose name starts with ``_`` (such as :mod:`._common`) hold shared helpers and
are not scanned. Raise :class:`registry.errors.CityregError` subclasses for anything the user
can fix: the group prints them as ``Error: ...`` with exit code 2. Every command needs a
docstring that a user understands: it is the command's ``--help``.
"""
