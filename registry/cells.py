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
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "spreadsheet_safe"]

#: The characters that make a spreadsheet program read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV/TSV cell that no spreadsheet program evaluates.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
    ``'`` unless it is a plain number; anything else is returned unchanged.

    >>> spreadsheet_safe('=HYPERLINK("http://evil","x")')
    '\\'=HYPERLINK("http://evil","x")'
    >>> spreadsheet_safe("-5"), spreadsheet_safe("-2+3")
    ('-5', "'-2+3")
    """
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
