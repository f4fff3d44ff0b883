"""Tables as spreadsheet files: CSV (UTF-8 with a byte-order mark, so Excel and LibreOffice read
the Chinese) and XLSX (openpyxl's streaming mode: memory for one row at a time).

Every text cell is made safe here, and only here: text starting with = + - @ (or a tab or
carriage return) gets a leading apostrophe, so no spreadsheet runs it as a formula, and the
control characters a workbook cannot hold are dropped. Money is a Decimal shown with two
decimals; times as "yyyy-mm-dd hh:mm".
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def safe_text(value: str) -> str:
    """Text a spreadsheet shows and never evaluates."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if looks_like_formula(value) else value


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return safe_text(str(value))


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows (the header first) as CSV with CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet") -> bytes:
    """One sheet: the header row (frozen, columns as wide as their headers), then the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(safe_text(title)[:31] or "Sheet")
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(name) + 4))
    sheet.freeze_panes = "A2"

    def cell(value: object) -> object:
        if isinstance(value, str):
            return safe_text(value)  # never starts with "=": openpyxl keeps it a string
        if isinstance(value, Decimal):
            found = WriteOnlyCell(sheet, value=value)
            found.number_format = "0.00"
            return found
        if isinstance(value, datetime):
            found = WriteOnlyCell(sheet, value=value)
            found.number_format = "yyyy-mm-dd hh:mm"
            return found
        return value

    sheet.append([safe_text(name) for name in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
