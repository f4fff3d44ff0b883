"""Tables as spreadsheet files: CSV (UTF-8 with a byte-order mark, so Excel and LibreOffice read
the Chinese) and XLSX (openpyxl's streaming mode: memory for one row at a time).

Both can be written piece by piece (`CsvStream`, `XlsxStream`): a download starts with its first
rows and its memory stays that of one batch of rows, however long the file. The XLSX's sheet goes
straight into the zip archive as its rows come (openpyxl's write-only worksheet writing into the
archive's member instead of a temporary file); the workbook's other parts follow it, and the zip
records their places at its end, as every zip does.

Every text cell is made safe here, and only here: text starting with = + - @ (or a tab or
carriage return) gets a leading apostrophe, so no spreadsheet runs it as a formula, and the
control characters a workbook cannot hold are dropped. Money is a Decimal shown with two
decimals; times as "yyyy-mm-dd hh:mm".
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

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


class CsvStream:
    """CSV written in pieces: `start` (the byte-order mark and the header), then `rows` per batch."""

    def start(self, header: Sequence[object]) -> bytes:
        return "\ufeff".encode("utf-8") + self.rows([header])

    def rows(self, rows: Iterable[Sequence[object]]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
        return out.getvalue().encode("utf-8")


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows (the header first) as CSV with CRLF line ends."""
    rows = iter(rows)
    stream = CsvStream()
    first = next(rows, None)
    return (stream.start(first) if first is not None else "\ufeff".encode("utf-8")) + stream.rows(rows)


class _Sink:
    """Where the zip archive writes: the bytes so far, taken away piece by piece (never seeks)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class _SheetAlreadyWritten(ExcelWriter):
    """openpyxl's workbook writer, for a sheet whose part is in the archive already."""

    def write_worksheet(self, ws) -> None:  # noqa: ANN001 - openpyxl's worksheet
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        ws._rels = ws._writer._rels
        self.manifest.append(ws)


class XlsxStream:
    """One sheet written in pieces: `XlsxStream(header, title=…)`, then `rows` per batch, then
    `finish`; each returns the bytes of the file made so far (sometimes none)."""

    def __init__(self, header: Sequence[str], *, title: str = "Sheet") -> None:
        self._sink = _Sink()
        self._archive = zipfile.ZipFile(self._sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._book = Workbook(write_only=True)
        sheet = self._sheet = self._book.create_sheet(safe_text(title)[:31] or "Sheet")
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(name) + 4))
        sheet.freeze_panes = "A2"
        sheet._id = 1  # as the workbook writer numbers it: the one sheet
        self._part = self._archive.open(sheet.path[1:], "w")
        sheet._writer = WorksheetWriter(sheet, out=self._part)
        sheet._writer.write_top()
        sheet.append([safe_text(name) for name in header])

    def _cell(self, value: object) -> object:
        if isinstance(value, str):
            return safe_text(value)  # never starts with "=": openpyxl keeps it a string
        if isinstance(value, Decimal):
            found = WriteOnlyCell(self._sheet, value=value)
            found.number_format = "0.00"
            return found
        if isinstance(value, datetime):
            found = WriteOnlyCell(self._sheet, value=value)
            found.number_format = "yyyy-mm-dd hh:mm"
            return found
        return value

    def rows(self, rows: Iterable[Sequence[object]]) -> bytes:
        for row in rows:
            self._sheet.append([self._cell(value) for value in row])
        return self._sink.take()

    def finish(self) -> bytes:
        self._sheet.close()
        self._part.close()
        self._book.properties.modified = datetime.now(tz=timezone.utc).replace(tzinfo=None)  # as openpyxl's save does
        _SheetAlreadyWritten(self._book, self._archive).save()
        self._finished = True
        return self._sink.take()

    def close(self) -> None:
        """Stop a file that will not be finished (its download was cut short): the sheet's writer,
        its part and the archive closed in order, the bytes dropped."""
        if getattr(self, "_finished", False):
            return
        self._finished = True
        self._sheet.close()
        self._part.close()
        self._archive.close()
        self._sink.take()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet") -> bytes:
    """One sheet: the header row (frozen, columns as wide as their headers), then the rows."""
    stream = XlsxStream(header, title=title)
    return stream.rows(rows) + stream.finish()
