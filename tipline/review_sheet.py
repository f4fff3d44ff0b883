"""The review kit's workbook: what a native speaker fills in with any spreadsheet program, and
what `tipline i18n import` reads back.

One worksheet for the program's texts (the catalog), one for the deployment's texts, headed and
explained in the reviewer's language (with Chinese below, which every deployment's staff read).
Each row: an id, where the text is shown, the English and Chinese texts, today's translation,
then the reviewer's columns (back-translation, verdict, comment), then two hidden columns the
import checks: a fingerprint of the source texts and the translation as exported. A hidden
worksheet names the language and the layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from i18n import DEFAULT_LANGUAGE, N_, Translator

KIT = "tipline review kit 1"
VERDICTS = ("ok", "change", "unsure")
PARTS = {"catalog": N_("Program texts"), "deployment": N_("Deployment texts")}
COLUMNS = ("id", "where", "en", "zh_Hans", "translation", "back", "verdict", "comment", "source", "exported")
HEADINGS = {
    "id": N_("Id"),
    "where": N_("Where it is shown"),
    "en": N_("English"),
    "zh_Hans": N_("Chinese"),
    "translation": N_("Today's translation (write the better text here)"),
    "back": N_("Back-translation: what the translation says to you"),
    "verdict": N_("Verdict: ok, change or unsure"),
    "comment": N_("Comment"),
    "source": N_("Fingerprint of the source texts (do not change)"),
    "exported": N_("Translation as exported (do not change)"),
}
INSTRUCTIONS = N_(
    "For each row, read today's translation and write in the back-translation column what it says to you. "
    "Then choose a verdict: ok if it is right; change if it should be different (write the better text over "
    "today's translation); unsure if you cannot tell (say why in the comment). Leave the grey columns as they are."
)
YOUR_NAME = N_("Your name:")
HEADER_ROW, FIRST_ROW = 3, 4
NAME_CELL = "B2"
GREY = PatternFill("solid", fgColor="E7E6E6")
YELLOW = PatternFill("solid", fgColor="FFF2CC")
WIDTHS = {"id": 13, "where": 22, "en": 40, "zh_Hans": 36, "translation": 48, "back": 40, "verdict": 12, "comment": 30}


@dataclass(frozen=True)
class Row:
    id: str
    where: str
    texts: dict[str, str]  # "en", "zh_Hans": the source texts shown
    translation: str
    source: str  # fingerprint of the source texts
    back: str = ""
    verdict: str = ""
    comment: str = ""
    exported: str = ""  # as read back: the translation at export time


@dataclass
class Sheet:
    language: str
    reviewer: str = ""
    parts: dict[str, list[Row]] = field(default_factory=dict)  # "catalog", "deployment"


class SheetError(ValueError):
    """A file that is not a review sheet of this kit, in plain words."""


def columns_for(language: str) -> tuple[str, ...]:
    """The language under review has no source column of its own."""
    return tuple(c for c in COLUMNS if c != language)


def write_sheet(path: Path, sheet: Sheet) -> None:
    _ = Translator(sheet.language)
    second = Translator(DEFAULT_LANGUAGE if sheet.language != DEFAULT_LANGUAGE else "en")

    def both(message: str) -> str:
        return f"{_(message)}\n{second(message)}"

    book = Workbook()
    book.remove(book.active)
    columns = columns_for(sheet.language)
    titles = {}
    for part, rows in sheet.parts.items():
        title = _safe_title(f"{len(titles) + 1} {_(PARTS[part])}")
        titles[part] = title
        worksheet = book.create_sheet(title)
        _write_part(worksheet, rows, columns, both, sheet.language, first=len(titles) == 1)
    about = book.create_sheet("kit")
    for key, value in (("kit", KIT), ("language", sheet.language), ("columns", " ".join(columns)),
                       *((f"part:{part}", title) for part, title in titles.items())):
        about.append([key, value])
    about.sheet_state = "hidden"
    book.save(path)


def _write_part(worksheet: Worksheet, rows: list[Row], columns: tuple[str, ...], both, language: str, *, first: bool) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    last = get_column_letter(columns.index("comment") + 1)
    worksheet.merge_cells(f"A1:{last}1")
    worksheet["A1"] = both(INSTRUCTIONS)
    worksheet["A1"].alignment = wrap
    worksheet.row_dimensions[1].height = 90
    if first:
        worksheet["A2"] = both(YOUR_NAME)
        worksheet["A2"].alignment = wrap
        worksheet[NAME_CELL].fill = YELLOW
        worksheet.row_dimensions[2].height = 32
    for index, column in enumerate(columns, 1):
        cell = worksheet.cell(HEADER_ROW, index, both(HEADINGS[column]))
        cell.font, cell.alignment = Font(bold=True), wrap
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = WIDTHS.get(column, 20)
        worksheet.column_dimensions[letter].hidden = column in ("source", "exported")
    worksheet.freeze_panes = worksheet.cell(FIRST_ROW, columns.index("translation") + 1)
    verdicts = DataValidation(type="list", formula1='"' + ",".join(VERDICTS) + '"', allow_blank=True)
    worksheet.add_data_validation(verdicts)
    for number, row in enumerate(rows, FIRST_ROW):
        values = {"id": row.id, "where": row.where, **row.texts, "translation": row.translation,
                  "back": row.back, "verdict": row.verdict, "comment": row.comment,
                  "source": row.source, "exported": row.translation}
        for index, column in enumerate(columns, 1):
            cell = worksheet.cell(number, index)
            _set_text(cell, values.get(column, ""))
            cell.alignment = wrap
            if column in ("id", "where", "en", "zh_Hans"):
                cell.fill = GREY
            if column == "translation":
                cell.font = Font(name="Microsoft Himalaya" if language == "bo" else None, size=14 if language == "bo" else 11)
        verdicts.add(worksheet.cell(number, columns.index("verdict") + 1))


def _set_text(cell, text: str) -> None:
    """A text cell, never a formula (a translation may start with "="), kept exactly as it is."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text) if text else None
    if text:
        cell.data_type = "s"


def _safe_title(title: str) -> str:
    return "".join(c for c in title if c not in "[]:*?/\\")[:31]


def read_sheet(path: Path) -> Sheet:
    try:
        book = load_workbook(path, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise SheetError(f"{path.name}: not a workbook that can be read ({type(error).__name__})") from None
    if "kit" not in book.sheetnames:
        raise SheetError(f"{path.name}: not a review sheet (export one with `tipline i18n export LANG`)")
    about = {str(row[0]): str(row[1]) for row in book["kit"].iter_rows(values_only=True) if row and row[0] and row[1]}
    if about.get("kit") != KIT:
        raise SheetError(f"{path.name}: made by another version of the review kit ({about.get('kit')!r})")
    columns = about.get("columns", "").split()
    sheet = Sheet(language=about.get("language", ""))
    for part in PARTS:
        title = about.get(f"part:{part}")
        if title is None:
            continue
        if title not in book.sheetnames:
            raise SheetError(f"{path.name}: the worksheet {title!r} is missing")
        worksheet = book[title]
        if part == "catalog":
            sheet.reviewer = _text(worksheet[NAME_CELL].value)
        sheet.parts[part] = [_row(values, columns) for values in worksheet.iter_rows(min_row=FIRST_ROW, values_only=True)
                             if values and values[0]]
    return sheet


def _row(values: tuple, columns: list[str]) -> Row:
    cells = {column: _text(values[index]) if index < len(values) else "" for index, column in enumerate(columns)}
    return Row(id=cells["id"], where=cells["where"], texts={k: cells[k] for k in ("en", "zh_Hans") if k in cells},
               translation=cells["translation"], source=cells["source"], back=cells["back"],
               verdict=cells["verdict"].strip().lower(), comment=cells["comment"], exported=cells["exported"])


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n")
