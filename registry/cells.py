"""Text cells that a spreadsheet program must not run: CSV/TSV formula injection.

A registry holds text that anyone may have typed into a register or a procurement portal. Put
in a CSV or TSV file, a cell such as ``=HYPERLINK("http://evil","x")`` or
``+cmd|' /C calc'!A0`` is run as a formula by Excel, LibreOffice and Google Sheets when a
journalist or an officer opens the file: it can send the sheet's data away or start programs
("CSV injection", "formula injection"). cityreg stores such text as the plain text it is; it
only changes it where it writes CSV or TSV, following OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection): a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading single quote, which spreadsheet programs
read as "this is text" and do not show. Plain numbers (``-5``, ``+3.2``, ``-1e-3``) are left as
they are: they are what a spreadsheet should see, and no program runs them.

The quote is reversible: text that itself starts with quotes followed by such a character
(``'=x``) gets one more (``''=x``), so :func:`spreadsheet_text` can take exactly one away.
``cityreg import csv`` reads CSV cells through it, which is what lets ``cityreg export --format
csv`` write the registry's text safely and read it back unchanged.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "spreadsheet_safe", "spreadsheet_text"]

#: The characters that make a spreadsheet program read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV/TSV cell that no spreadsheet program evaluates.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
    ``'`` unless it is a plain number, and so is one whose leading quotes are followed by such a
    character (so that :func:`spreadsheet_text` can undo it); anything else is returned
    unchanged.

    >>> spreadsheet_safe('=HYPERLINK("http://evil","x")')
    '\\'=HYPERLINK("http://evil","x")'
    >>> spreadsheet_safe("-5"), spreadsheet_safe("-2+3"), spreadsheet_safe("'=1")
    ('-5', "'-2+3", "''=1")
    """
    if (text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)) or _quoted(text):
        return "'" + text
    return text


def spreadsheet_text(cell: str) -> str:
    """The text a cell written by :func:`spreadsheet_safe` stands for: its inverse.

    One leading ``'`` is taken away when what follows it (after any further quotes) starts
    with a formula character; that is the quote a spreadsheet program hides, too.

    >>> spreadsheet_text("'=SUM(1)"), spreadsheet_text("''=1"), spreadsheet_text("'tis")
    ('=SUM(1)', "'=1", "'tis")
    """
    return cell[1:] if _quoted(cell) else cell


def _quoted(text: str) -> bool:
    """Whether ``text`` is quotes followed by a formula character (``'=x``, ``''-1``)."""
    return text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS)
